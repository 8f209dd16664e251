// A task's estimate: what it reserves from the memory pool before it starts.
//
// Rule: the largest of its last ESTIMATE_WINDOW peaks, plus ESTIMATE_MARGIN, rounded up to a MiB.
// - The largest, not the median: a task's peak varies with its input (a full rebuild against an
//   incremental one, a cache miss), and an estimate below the real peak is paid in swap or an OOM
//   kill while one above it costs only some parallelism.
// - Only the last few: a one-off (a clean build after a dependency bump) is forgotten after
//   ESTIMATE_WINDOW runs, and a task that grows is followed at once (the newest peak is in the window).
// - The margin covers what sampling misses (a spike shorter than the sampling interval) and the
//   growth from one run to the next.
import { BYTES_PER_MIB } from './size.js';

export const ESTIMATE_WINDOW = 5;
export const ESTIMATE_MARGIN = 0.25;

/** The estimate in bytes from peaks oldest first, or undefined when the task has never been measured. */
export function estimateFromPeaks(peakBytes: readonly number[]): number | undefined {
  if (peakBytes.length === 0) return undefined;
  const recent = peakBytes.slice(-ESTIMATE_WINDOW);
  const largest = Math.max(...recent);
  return Math.ceil((largest * (1 + ESTIMATE_MARGIN)) / BYTES_PER_MIB) * BYTES_PER_MIB;
}
