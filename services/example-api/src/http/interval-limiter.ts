// At most one action per interval: the manual memory cleanup forces a full GC at the aggressive
// level and runs every cleanup action, so a client must not be able to loop on it.

export type Acquired = { ok: true } | { ok: false; retryAfterMs: number };

export interface IntervalLimiter {
  /** Takes the slot when the interval since the last taken slot has passed. */
  tryAcquire(): Acquired;
}

export function createIntervalLimiter(minIntervalMs: number, now: () => number = Date.now): IntervalLimiter {
  let lastMs: number | undefined;
  return {
    tryAcquire() {
      const at = now();
      if (lastMs !== undefined && at - lastMs < minIntervalMs) {
        return { ok: false, retryAfterMs: minIntervalMs - (at - lastMs) };
      }
      lastMs = at;
      return { ok: true };
    },
  };
}
