// The memory monitor's settings: options first, then the environment, then defaults, validated
// in one pure function (no timers, no memory reads) so every rule is tested on its own.
import type { MemoryThresholds } from './memory-thresholds.js';
import { validateThresholds } from './memory-thresholds.js';

/** Default check period; env MEMORY_CHECK_INTERVAL (ms). */
export const DEFAULT_CHECK_INTERVAL_MS = 10_000;
/** Shortest check period accepted: each check reads memory figures, which is not free. */
export const MIN_CHECK_INTERVAL_MS = 100;
/** Warning threshold when none is configured: this fraction of the V8 heap size limit. */
export const DEFAULT_WARNING_FRACTION = 0.7;
/** Critical threshold when none is configured: this fraction of the V8 heap size limit. */
export const DEFAULT_CRITICAL_FRACTION = 0.85;
/**
 * Default minimum time between two automatic cleanups; env CLEANUP_COOLDOWN (ms). A minute lets
 * the effect of one cleanup show over several checks before the next one runs.
 */
export const DEFAULT_CLEANUP_COOLDOWN_MS = 60_000;
/** Cleanups kept for report(); older ones are evicted. */
export const DEFAULT_MAX_CLEANUP_HISTORY = 20;
/** A cleanup action still running after this long is recorded as timed out and left behind. */
export const CLEANUP_ACTION_TIMEOUT_MS = 5_000;

/** Thresholds are in MB of heap used, 1 MB = 1024 × 1024 bytes (as in --max-old-space-size). */
export const BYTES_PER_MB = 1024 * 1024;

export interface MonitorSettingsInput {
  checkIntervalMs?: number;
  warningThresholdMb?: number;
  criticalThresholdMb?: number;
  cleanupCooldownMs?: number;
  maxCleanupHistory?: number;
  cleanupActionTimeoutMs?: number;
}

export interface MonitorSettings {
  checkIntervalMs: number;
  cleanupCooldownMs: number;
  maxCleanupHistory: number;
  cleanupActionTimeoutMs: number;
  thresholds: MemoryThresholds;
}

type Env = Readonly<Record<string, string | undefined>>;

function fromEnv(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return value;
}

/** Throws a RangeError naming the option or variable at fault. */
export function resolveMonitorSettings(
  options: MonitorSettingsInput,
  env: Env,
  heapSizeLimitBytes: number,
): MonitorSettings {
  const checkIntervalMs = options.checkIntervalMs ?? fromEnv(env, 'MEMORY_CHECK_INTERVAL') ?? DEFAULT_CHECK_INTERVAL_MS;
  if (!Number.isInteger(checkIntervalMs) || checkIntervalMs < MIN_CHECK_INTERVAL_MS) {
    throw new RangeError(
      `memory check interval must be an integer ≥ ${MIN_CHECK_INTERVAL_MS} ms, got ${checkIntervalMs}`,
    );
  }
  const cleanupCooldownMs =
    options.cleanupCooldownMs ?? fromEnv(env, 'CLEANUP_COOLDOWN') ?? DEFAULT_CLEANUP_COOLDOWN_MS;
  if (!Number.isFinite(cleanupCooldownMs) || cleanupCooldownMs < 0) {
    throw new RangeError(`cleanup cooldown must be a non-negative number of ms, got ${cleanupCooldownMs}`);
  }
  const maxCleanupHistory = options.maxCleanupHistory ?? DEFAULT_MAX_CLEANUP_HISTORY;
  const cleanupActionTimeoutMs = options.cleanupActionTimeoutMs ?? CLEANUP_ACTION_TIMEOUT_MS;
  if (!Number.isFinite(cleanupActionTimeoutMs) || cleanupActionTimeoutMs <= 0) {
    throw new RangeError(`cleanupActionTimeoutMs must be a positive number, got ${cleanupActionTimeoutMs}`);
  }
  const limitMb = heapSizeLimitBytes / BYTES_PER_MB;
  const thresholds: MemoryThresholds = {
    warningMb:
      options.warningThresholdMb ??
      fromEnv(env, 'MEMORY_WARNING_THRESHOLD') ??
      Math.round(limitMb * DEFAULT_WARNING_FRACTION),
    criticalMb:
      options.criticalThresholdMb ??
      fromEnv(env, 'MEMORY_CRITICAL_THRESHOLD') ??
      Math.round(limitMb * DEFAULT_CRITICAL_FRACTION),
  };
  validateThresholds(thresholds, heapSizeLimitBytes);
  return { checkIntervalMs, cleanupCooldownMs, maxCleanupHistory, cleanupActionTimeoutMs, thresholds };
}
