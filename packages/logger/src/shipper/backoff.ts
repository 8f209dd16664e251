/**
 * Delay before attempt `failures + 1`: doubles from `minMs` with each consecutive failure, capped
 * at `maxMs`, then drawn in [ceiling / 2, ceiling] ("equal jitter": at least half the delay, so
 * many clients that failed together do not retry in step). `random` returns a number in [0, 1).
 */
export function backoffDelayMs(failures: number, minMs: number, maxMs: number, random: () => number): number {
  if (failures <= 0) return 0;
  const ceilingMs = Math.min(maxMs, minMs * 2 ** Math.min(failures - 1, 30));
  return ceilingMs / 2 + random() * (ceilingMs / 2);
}
