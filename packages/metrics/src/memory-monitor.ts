// Memory monitor: periodic heap checks against warning/critical thresholds that run registered
// cleanup actions (moderate at warning, aggressive at critical), with a cooldown, a bounded
// history of what each cleanup freed, and — opt-in — a sampling heap profile on the first
// critical reading. The parts are in their own files: settings (monitor-config.ts), thresholds
// (memory-thresholds.ts), one cleanup (cleanup-runner.ts), heap evidence (heap-diagnostics.ts);
// this file holds the state and decides when each runs.
import { runCleanup, type CleanupAction, type CleanupLevel, type CleanupRecord } from './cleanup-runner.js';
import {
  createHeapDiagnostics,
  type DiagnosticRecord,
  type HeapDiagnostics,
  type HeapDiagnosticsOptions,
} from './heap-diagnostics.js';
import { RingBuffer, createScope } from './lifecycle-adapter.js';
import { resolveMonitorSettings } from './monitor-config.js';
import { readProcessMemory, type MemoryReading } from './memory-reading.js';
import { statusOf, validateThresholds, type MemoryStatus, type MemoryThresholds } from './memory-thresholds.js';
import type { Registry } from './registry.js';

export type { CleanupAction, CleanupLevel, CleanupRecord } from './cleanup-runner.js';
export type { MemoryReading } from './memory-reading.js';
export type { MemoryStatus, MemoryThresholds } from './memory-thresholds.js';
export { readProcessMemory } from './memory-reading.js';
export { validateThresholds, MIN_WARNING_FRACTION_OF_LIMIT } from './memory-thresholds.js';
export {
  CLEANUP_ACTION_TIMEOUT_MS,
  DEFAULT_CHECK_INTERVAL_MS,
  DEFAULT_CLEANUP_COOLDOWN_MS,
  DEFAULT_CRITICAL_FRACTION,
  DEFAULT_MAX_CLEANUP_HISTORY,
  DEFAULT_WARNING_FRACTION,
  MIN_CHECK_INTERVAL_MS,
} from './monitor-config.js';

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
  /** Heap profiles and snapshots taken (or skipped), most recent last; empty unless enabled. */
  diagnostics: DiagnosticRecord[];
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
  /**
   * Opt-in evidence: on the first critical reading (again only after the status went back to
   * ok) and on captureHeapProfile(), a sampling heap profile written to `dir`.
   */
  heapProfile?: HeapDiagnosticsOptions;
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
  /**
   * A heap profile now (and a snapshot when enabled and memory allows); rejects unless
   * `heapProfile` was configured. Concurrent calls share one capture.
   */
  captureHeapProfile(): Promise<DiagnosticRecord[]>;
  /** Stops the periodic check and unregisters metrics. Idempotent. */
  stop(): Promise<void>;
  /** Same as stop(). */
  destroy(): Promise<void>;
}

const LEVEL_RANK: Record<CleanupLevel, number> = { moderate: 1, aggressive: 2 };
const STATUS_CODE: Record<MemoryStatus, number> = { ok: 0, warning: 1, critical: 2 };

export function createMemoryMonitor(options: MemoryMonitorOptions = {}): MemoryMonitor {
  const env = options.env ?? process.env;
  const readMemory = options.readMemory ?? readProcessMemory;
  const now = options.now ?? Date.now;
  const exposedGc = (globalThis as { gc?: () => void }).gc;
  const forceGc =
    options.gc === false ? undefined : (options.gc ?? (typeof exposedGc === 'function' ? exposedGc : undefined));

  let lastReading = readMemory();
  const settings = resolveMonitorSettings(options, env, lastReading.heapSizeLimitBytes);
  const { checkIntervalMs, cleanupCooldownMs } = settings;
  let thresholds = settings.thresholds;
  const history = new RingBuffer<CleanupRecord>(settings.maxCleanupHistory);
  const actions = new Map<string, CleanupAction>(Object.entries(options.cleanupActions ?? {}));
  const scope = createScope('heapwise-memory-monitor');
  const diagnostics: HeapDiagnostics | undefined = options.heapProfile
    ? createHeapDiagnostics(options.heapProfile, scope, now)
    : undefined;

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

  let status: MemoryStatus = 'ok';
  let checks = 0;
  let checkErrors = 0;
  let lastCleanupAtMs: number | undefined;
  let lastCleanupLevel: CleanupLevel | undefined;
  let running: Promise<CleanupRecord> | undefined;
  /** A profile is due on the next critical reading; cleared by one, re-armed by a return to ok. */
  let profileArmed = true;
  let stopped = false;

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

  const cleanup = (level: CleanupLevel, trigger: CleanupRecord['trigger']): Promise<CleanupRecord> => {
    if (running) return running;
    const atMs = now();
    lastCleanupAtMs = atMs;
    lastCleanupLevel = level;
    running = runCleanup(level, trigger, atMs, {
      actions,
      readMemory,
      forceGc,
      actionTimeoutMs: settings.cleanupActionTimeoutMs,
      scope,
    })
      .then(({ record, reading }) => {
        lastReading = reading;
        history.push(record);
        cleanupsCounter?.inc({ level });
        return record;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const check = async (): Promise<MemoryStatus> => {
    if (stopped) return status;
    checks++;
    lastReading = readMemory();
    const next = statusOf(lastReading.heapUsedBytes, thresholds);
    setStatus(next);
    if (next === 'ok') profileArmed = true;
    if (next === 'critical' && profileArmed && diagnostics) {
      profileArmed = false;
      // Not awaited: the profile samples for seconds while cleanups and checks go on.
      void diagnostics.capture('critical');
    }
    if (next !== 'ok' && !running) {
      const level: CleanupLevel = next === 'critical' ? 'aggressive' : 'moderate';
      const cooled = lastCleanupAtMs === undefined || now() - lastCleanupAtMs >= cleanupCooldownMs;
      // Escalation from a moderate to an aggressive cleanup does not wait for the cooldown.
      const escalates = lastCleanupLevel !== undefined && LEVEL_RANK[level] > LEVEL_RANK[lastCleanupLevel];
      if (cooled || escalates) await cleanup(level, next);
    }
    return status;
  };

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
      await diagnostics?.close();
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
      diagnostics: diagnostics?.records() ?? [],
    }),
    cleanup: (level) => {
      if (stopped) return Promise.reject(new Error('memory monitor stopped: cleanup() is no longer available'));
      if (level !== 'moderate' && level !== 'aggressive') {
        return Promise.reject(new RangeError(`cleanup level must be "moderate" or "aggressive", got ${String(level)}`));
      }
      return cleanup(level, 'manual');
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
    captureHeapProfile: () => {
      if (stopped) return Promise.reject(new Error('memory monitor stopped'));
      if (!diagnostics)
        return Promise.reject(new Error('heap profiles are off: pass heapProfile: { dir } to enable them'));
      return diagnostics.capture('manual');
    },
    stop,
    destroy: stop,
  };
}
