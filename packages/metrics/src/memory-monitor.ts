// Memory monitor: periodic heap checks against warning/critical thresholds that run registered
// cleanup actions (moderate at warning, aggressive at critical), with a cooldown and a bounded
// history of what each cleanup freed.
import * as v8 from 'node:v8';
import { RingBuffer, createScope, type TimerHandle } from './lifecycle-adapter.js';
import type { Registry } from './registry.js';

export type MemoryStatus = 'ok' | 'warning' | 'critical';
export type CleanupLevel = 'moderate' | 'aggressive';
export type CleanupAction = (level: CleanupLevel) => unknown | Promise<unknown>;

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
/**
 * Lowest warning threshold accepted: this fraction of the heap size limit. Below it the monitor
 * would sit at warning (or critical) from start-up on, cleaning up for nothing.
 */
export const MIN_WARNING_FRACTION_OF_LIMIT = 0.1;
/** Cleanups kept for report(); older ones are evicted. */
export const DEFAULT_MAX_CLEANUP_HISTORY = 20;
/** A cleanup action still running after this long is recorded as timed out and left behind. */
export const CLEANUP_ACTION_TIMEOUT_MS = 5_000;

/** Thresholds are in MB of heap used, 1 MB = 1024 × 1024 bytes (as in --max-old-space-size). */
const BYTES_PER_MB = 1024 * 1024;

export interface MemoryReading {
  heapUsedBytes: number;
  heapTotalBytes: number;
  rssBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  heapSizeLimitBytes: number;
}

export interface MemoryThresholds {
  warningMb: number;
  criticalMb: number;
}

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

export interface MemoryReport {
  status: MemoryStatus;
  memory: MemoryReading;
  thresholds: MemoryThresholds;
  checkIntervalMs: number;
  cleanupCooldownMs: number;
  checks: number;
  checkErrors: number;
  lastCleanupAtMs: number | undefined;
  /** Most recent last; at most `maxCleanupHistory`. */
  recentCleanups: CleanupRecord[];
  /** Cleanups evicted from the history. */
  evictedCleanups: number;
}

export interface MemoryMonitorOptions {
  /** Default env MEMORY_CHECK_INTERVAL, else 10 000 ms. */
  checkIntervalMs?: number;
  /** Default env MEMORY_WARNING_THRESHOLD, else 70 % of the heap size limit. */
  warningThresholdMb?: number;
  /** Default env MEMORY_CRITICAL_THRESHOLD, else 85 % of the heap size limit. */
  criticalThresholdMb?: number;
  /** Default env CLEANUP_COOLDOWN, else 60 000 ms. */
  cleanupCooldownMs?: number;
  /** Where the env variables come from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Injectable memory reader (default process.memoryUsage() + v8 heap size limit). */
  readMemory?: () => MemoryReading;
  /** Injectable clock in ms (default Date.now). */
  now?: () => number;
  /** Cleanup actions by name; more with registerCleanup(). */
  cleanupActions?: Readonly<Record<string, CleanupAction>>;
  /** Default 20. */
  maxCleanupHistory?: number;
  /** Per-action deadline (default CLEANUP_ACTION_TIMEOUT_MS, 5000). */
  cleanupActionTimeoutMs?: number;
  /** Forced GC for aggressive cleanups; default globalThis.gc when exposed, false to disable. */
  gc?: (() => void) | false;
  /** Called when the status changes (errors are swallowed). */
  onStatusChange?: (status: MemoryStatus, previous: MemoryStatus) => void;
  /** Exports heapwise_memory_monitor_* metrics there while the monitor runs. */
  registry?: Registry;
  /** Start the periodic check (default true); false for manual check() only. */
  autoStart?: boolean;
}

export interface MemoryMonitor {
  report(): MemoryReport;
  /** Runs every cleanup action now at `level`, regardless of the cooldown (which it restarts). */
  cleanup(level: CleanupLevel): Promise<CleanupRecord>;
  /** Validates and applies new thresholds (partial updates allowed); throws RangeError otherwise. */
  updateThresholds(thresholds: Partial<MemoryThresholds>): void;
  /** Registers a cleanup action by name (replacing one of the same name); returns a remover. */
  registerCleanup(name: string, action: CleanupAction): () => void;
  /** One check now: classify, and clean up when over a threshold and the cooldown allows. */
  check(): Promise<MemoryStatus>;
  /** Stops the periodic check and unregisters metrics. Idempotent. */
  stop(): Promise<void>;
  /** Same as stop(). */
  destroy(): Promise<void>;
}

export function readProcessMemory(): MemoryReading {
  const memory = process.memoryUsage();
  return {
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    rssBytes: memory.rss,
    externalBytes: memory.external,
    arrayBuffersBytes: memory.arrayBuffers,
    heapSizeLimitBytes: v8.getHeapStatistics().heap_size_limit,
  };
}

function fromEnv(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return value;
}

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
      `memory warning threshold (${thresholds.warningMb} MB) must be below the critical threshold (${thresholds.criticalMb} MB)`,
    );
  }
  if (heapSizeLimitBytes === undefined) return;
  const limitMb = heapSizeLimitBytes / BYTES_PER_MB;
  const minWarningMb = limitMb * MIN_WARNING_FRACTION_OF_LIMIT;
  if (thresholds.warningMb < minWarningMb) {
    throw new RangeError(
      `memory warning threshold (${thresholds.warningMb} MB) must be at least ${MIN_WARNING_FRACTION_OF_LIMIT * 100} % of the heap size limit (${minWarningMb.toFixed(1)} of ${limitMb.toFixed(0)} MB)`,
    );
  }
  if (thresholds.criticalMb > limitMb) {
    throw new RangeError(
      `memory critical threshold (${thresholds.criticalMb} MB) must not exceed the heap size limit (${limitMb.toFixed(0)} MB)`,
    );
  }
}

const LEVEL_RANK: Record<CleanupLevel, number> = { moderate: 1, aggressive: 2 };
const STATUS_CODE: Record<MemoryStatus, number> = { ok: 0, warning: 1, critical: 2 };

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createMemoryMonitor(options: MemoryMonitorOptions = {}): MemoryMonitor {
  const env = options.env ?? process.env;
  const readMemory = options.readMemory ?? readProcessMemory;
  const now = options.now ?? Date.now;
  const exposedGc = (globalThis as { gc?: () => void }).gc;
  const forceGc =
    options.gc === false ? undefined : (options.gc ?? (typeof exposedGc === 'function' ? exposedGc : undefined));

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
  const maxHistory = options.maxCleanupHistory ?? DEFAULT_MAX_CLEANUP_HISTORY;
  const history = new RingBuffer<CleanupRecord>(maxHistory);
  const actionTimeoutMs = options.cleanupActionTimeoutMs ?? CLEANUP_ACTION_TIMEOUT_MS;
  if (!Number.isFinite(actionTimeoutMs) || actionTimeoutMs <= 0) {
    throw new RangeError(`cleanupActionTimeoutMs must be a positive number, got ${actionTimeoutMs}`);
  }

  let lastReading = readMemory();
  const limitMb = lastReading.heapSizeLimitBytes / BYTES_PER_MB;
  let thresholds: MemoryThresholds = {
    warningMb:
      options.warningThresholdMb ??
      fromEnv(env, 'MEMORY_WARNING_THRESHOLD') ??
      Math.round(limitMb * DEFAULT_WARNING_FRACTION),
    criticalMb:
      options.criticalThresholdMb ??
      fromEnv(env, 'MEMORY_CRITICAL_THRESHOLD') ??
      Math.round(limitMb * DEFAULT_CRITICAL_FRACTION),
  };
  validateThresholds(thresholds, lastReading.heapSizeLimitBytes);

  const actions = new Map<string, CleanupAction>(Object.entries(options.cleanupActions ?? {}));
  const scope = createScope('heapwise-memory-monitor');
  let status: MemoryStatus = 'ok';
  let checks = 0;
  let checkErrors = 0;
  let lastCleanupAtMs: number | undefined;
  let lastCleanupLevel: CleanupLevel | undefined;
  let running: Promise<CleanupRecord> | undefined;
  let stopped = false;

  const statusOf = (heapUsedBytes: number): MemoryStatus => {
    const usedMb = heapUsedBytes / BYTES_PER_MB;
    if (usedMb >= thresholds.criticalMb) return 'critical';
    if (usedMb >= thresholds.warningMb) return 'warning';
    return 'ok';
  };

  const setStatus = (next: MemoryStatus): void => {
    if (next === status) return;
    const previous = status;
    status = next;
    statusGauge?.set(STATUS_CODE[next]);
    try {
      options.onStatusChange?.(next, previous);
    } catch {
      // a listener's failure must not stop monitoring
    }
  };

  const runAction = async (
    name: string,
    action: CleanupAction,
    level: CleanupLevel,
  ): Promise<CleanupRecord['actions'][number]> => {
    let timer: TimerHandle | undefined;
    try {
      const timedOut = new Promise<never>((_, reject) => {
        timer = scope.setTimeout(
          () => reject(new Error(`timed out after ${actionTimeoutMs} ms`)),
          actionTimeoutMs,
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
  };

  const runCleanup = (level: CleanupLevel, trigger: CleanupRecord['trigger']): Promise<CleanupRecord> => {
    if (running) return running;
    const atMs = now();
    lastCleanupAtMs = atMs;
    lastCleanupLevel = level;
    running = (async () => {
      const startedAt = performance.now();
      const before = readMemory().heapUsedBytes;
      const results: CleanupRecord['actions'] = [];
      for (const [name, action] of [...actions]) results.push(await runAction(name, action, level));
      // A forced full GC pauses everything, so only the aggressive level pays for it.
      let gcForced = false;
      if (level === 'aggressive' && forceGc) {
        try {
          forceGc();
          gcForced = true;
        } catch {
          // gc() unavailable after all: the record says so
        }
      }
      lastReading = readMemory();
      const record: CleanupRecord = {
        level,
        trigger,
        atMs,
        durationMs: performance.now() - startedAt,
        heapUsedBeforeBytes: before,
        heapUsedAfterBytes: lastReading.heapUsedBytes,
        freedBytes: before - lastReading.heapUsedBytes,
        gcForced,
        actions: results,
      };
      history.push(record);
      cleanupsCounter?.inc({ level });
      return record;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const check = async (): Promise<MemoryStatus> => {
    if (stopped) return status;
    checks++;
    lastReading = readMemory();
    const next = statusOf(lastReading.heapUsedBytes);
    setStatus(next);
    if (next !== 'ok' && !running) {
      const level: CleanupLevel = next === 'critical' ? 'aggressive' : 'moderate';
      const cooled = lastCleanupAtMs === undefined || now() - lastCleanupAtMs >= cleanupCooldownMs;
      // Escalation from a moderate to an aggressive cleanup does not wait for the cooldown.
      const escalates = lastCleanupLevel !== undefined && LEVEL_RANK[level] > LEVEL_RANK[lastCleanupLevel];
      if (cooled || escalates) await runCleanup(level, next);
    }
    return status;
  };

  const registry = options.registry;
  const statusGauge = registry?.gauge({
    name: 'heapwise_memory_monitor_status',
    help: 'Memory monitor status: 0 ok, 1 warning, 2 critical.',
  });
  const cleanupsCounter = registry?.counter({
    name: 'heapwise_memory_monitor_cleanups_total',
    help: 'Cleanups run by the memory monitor, by level.',
    labelNames: ['level'],
  });
  statusGauge?.set(0);

  if (options.autoStart !== false) {
    scope.periodic(check, checkIntervalMs, {
      name: 'memory check',
      onError: () => {
        checkErrors++;
      },
    });
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      stopped = true;
      if (registry && !registry.destroyed) {
        if (statusGauge) registry.remove(statusGauge.name);
        if (cleanupsCounter) registry.remove(cleanupsCounter.name);
      }
      await scope.close();
    })();
    return stopping;
  };

  return {
    report: () => ({
      status,
      memory: { ...lastReading },
      thresholds: { ...thresholds },
      checkIntervalMs,
      cleanupCooldownMs,
      checks,
      checkErrors,
      lastCleanupAtMs,
      recentCleanups: history.toArray(),
      evictedCleanups: history.evicted,
    }),
    cleanup: (level) => {
      if (stopped) return Promise.reject(new Error('memory monitor stopped: cleanup() is no longer available'));
      if (level !== 'moderate' && level !== 'aggressive') {
        return Promise.reject(new RangeError(`cleanup level must be "moderate" or "aggressive", got ${String(level)}`));
      }
      return runCleanup(level, 'manual');
    },
    updateThresholds: (update) => {
      const next = { ...thresholds, ...update };
      validateThresholds(next, lastReading.heapSizeLimitBytes);
      thresholds = next;
    },
    registerCleanup: (name, action) => {
      if (typeof name !== 'string' || name === '')
        throw new TypeError('cleanup action name must be a non-empty string');
      if (typeof action !== 'function') throw new TypeError(`cleanup action ${name} must be a function`);
      actions.set(name, action);
      return () => {
        if (actions.get(name) === action) actions.delete(name);
      };
    },
    check,
    stop,
    destroy: stop,
  };
}
