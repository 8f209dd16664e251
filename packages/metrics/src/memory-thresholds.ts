// Warning and critical thresholds: what they mean and which values make sense.

export type MemoryStatus = 'ok' | 'warning' | 'critical';

export interface MemoryThresholds {
  warningMb: number;
  criticalMb: number;
}

/**
 * Lowest warning threshold accepted: this fraction of the heap size limit. Below it the monitor
 * would sit at warning (or critical) from start-up on, cleaning up for nothing.
 */
export const MIN_WARNING_FRACTION_OF_LIMIT = 0.1;

const BYTES_PER_MB = 1024 * 1024;

/**
 * Throws a RangeError naming the problem unless both thresholds are positive finite MB, warning <
 * critical and, given the heap size limit, warning ≥ MIN_WARNING_FRACTION_OF_LIMIT of it and
 * critical ≤ it (above the limit the critical level can never be reached: protection off).
 */
export function validateThresholds(thresholds: MemoryThresholds, heapSizeLimitBytes?: number): void {
  for (const key of ['warningMb', 'criticalMb'] as const) {
    const value = thresholds[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`memory threshold ${key} must be a positive number of MB, got ${String(value)}`);
    }
  }
  if (thresholds.warningMb >= thresholds.criticalMb) {
    throw new RangeError(
      `memory warning threshold (${thresholds.warningMb} MB) ` +
        `must be below the critical threshold (${thresholds.criticalMb} MB)`,
    );
  }
  if (heapSizeLimitBytes === undefined) return;
  const limitMb = heapSizeLimitBytes / BYTES_PER_MB;
  const minWarningMb = limitMb * MIN_WARNING_FRACTION_OF_LIMIT;
  if (thresholds.warningMb < minWarningMb) {
    throw new RangeError(
      `memory warning threshold (${thresholds.warningMb} MB) ` +
        `must be at least ${MIN_WARNING_FRACTION_OF_LIMIT * 100} % of the heap size limit ` +
        `(${minWarningMb.toFixed(1)} of ${limitMb.toFixed(0)} MB)`,
    );
  }
  if (thresholds.criticalMb > limitMb) {
    throw new RangeError(
      `memory critical threshold (${thresholds.criticalMb} MB) ` +
        `must not exceed the heap size limit (${limitMb.toFixed(0)} MB)`,
    );
  }
}

/** The status a heap-used figure has under the thresholds. */
export function statusOf(heapUsedBytes: number, thresholds: MemoryThresholds): MemoryStatus {
  const usedMb = heapUsedBytes / BYTES_PER_MB;
  if (usedMb >= thresholds.criticalMb) return 'critical';
  if (usedMb >= thresholds.warningMb) return 'warning';
  return 'ok';
}
