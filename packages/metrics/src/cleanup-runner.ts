// One cleanup: every registered action in turn (each with its deadline; one that throws or runs
// late is recorded and the others still run), a forced full GC at the aggressive level, and a
// record of what it freed. No state of its own: the monitor decides when one runs.
import type { Scope, TimerHandle } from './lifecycle-adapter.js';
import type { MemoryReading } from './memory-reading.js';

export type CleanupLevel = 'moderate' | 'aggressive';
/** May return a promise; the cleanup waits for it (up to the action deadline). */
export type CleanupAction = (level: CleanupLevel) => unknown;

export interface CleanupRecord {
  level: CleanupLevel;
  trigger: 'warning' | 'critical' | 'manual';
  /** When it started, from the monitor's clock (ms since epoch by default). */
  atMs: number;
  durationMs: number;
  heapUsedBeforeBytes: number;
  heapUsedAfterBytes: number;
  /** before − after; negative when the heap grew while cleaning. */
  freedBytes: number;
  gcForced: boolean;
  actions: { name: string; ok: boolean; error?: string }[];
}

export interface CleanupRunContext {
  actions: ReadonlyMap<string, CleanupAction>;
  readMemory: () => MemoryReading;
  /** Forced full GC, or undefined when not available (or disabled). */
  forceGc: (() => void) | undefined;
  actionTimeoutMs: number;
  /** Owns the per-action deadline timers. */
  scope: Scope;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function runAction(
  name: string,
  action: CleanupAction,
  level: CleanupLevel,
  context: CleanupRunContext,
): Promise<CleanupRecord['actions'][number]> {
  let timer: TimerHandle | undefined;
  try {
    const timedOut = new Promise<never>((_, reject) => {
      timer = context.scope.setTimeout(
        () => reject(new Error(`timed out after ${context.actionTimeoutMs} ms`)),
        context.actionTimeoutMs,
        `cleanup ${name}`,
      );
    });
    await Promise.race([Promise.resolve().then(() => action(level)), timedOut]);
    return { name, ok: true };
  } catch (error) {
    return { name, ok: false, error: describe(error) };
  } finally {
    timer?.clear();
  }
}

export async function runCleanup(
  level: CleanupLevel,
  trigger: CleanupRecord['trigger'],
  atMs: number,
  context: CleanupRunContext,
): Promise<{ record: CleanupRecord; reading: MemoryReading }> {
  const startedAt = performance.now();
  const before = context.readMemory().heapUsedBytes;
  const results: CleanupRecord['actions'] = [];
  for (const [name, action] of [...context.actions]) results.push(await runAction(name, action, level, context));
  // A forced full GC pauses everything, so only the aggressive level pays for it.
  let gcForced = false;
  if (level === 'aggressive' && context.forceGc) {
    try {
      context.forceGc();
      gcForced = true;
    } catch {
      // gc() unavailable after all: the record says so
    }
  }
  const reading = context.readMemory();
  return {
    reading,
    record: {
      level,
      trigger,
      atMs,
      durationMs: performance.now() - startedAt,
      heapUsedBeforeBytes: before,
      heapUsedAfterBytes: reading.heapUsedBytes,
      freedBytes: before - reading.heapUsedBytes,
      gcForced,
      actions: results,
    },
  };
}
