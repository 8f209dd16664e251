// The ledger: each task's recent peak memory, one JSON file for the workspace, written by every
// `heapwise run` when its command exits. Concurrent tasks update it under a lock file and replace it
// by an atomic rename, so no entry is lost or half-written; it stays bounded (MAX_PEAKS_PER_TASK per
// task, tasks unseen for PRUNE_AFTER_MS dropped, at most MAX_LEDGER_TASKS tasks).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withFileLock, type LockOptions } from './file-lock.js';

export const LEDGER_VERSION = 1;
export const LEDGER_FILE_NAME = 'ledger.json';
/** Where the ledger lives below the workspace root unless HEAPWISE_LEDGER or `[heapwise] ledger` says. */
export const DEFAULT_CACHE_DIR = join('node_modules', '.cache', 'heapwise');
export const LEDGER_ENV = 'HEAPWISE_LEDGER';
export const MAX_PEAKS_PER_TASK = 10;
export const MAX_LEDGER_TASKS = 2000;
export const PRUNE_AFTER_MS = 30 * 24 * 60 * 60 * 1000;

export interface PeakRecord {
  /** Peak memory of the task's whole process tree (PSS on Linux, RSS elsewhere), bytes. */
  bytes: number;
  /** When the task ended, ms since the epoch. */
  atMs: number;
  durationMs: number;
  exitCode: number;
  /**
   * For a `node` command: the V8 heap in use after its last major GC, bytes (its live heap, what the
   * heap flag must hold); absent when the command is not node or ran no major GC.
   */
  v8HeapBytes?: number;
}

export interface LedgerTask {
  peaks: PeakRecord[];
  lastSeenMs: number;
}

export interface Ledger {
  version: typeof LEDGER_VERSION;
  /** Keyed `package#task`, as turbo names a task. */
  tasks: Record<string, LedgerTask>;
}

export function emptyLedger(): Ledger {
  return { version: LEDGER_VERSION, tasks: {} };
}

function isPeak(value: unknown): value is PeakRecord {
  const peak = value as PeakRecord;
  return (
    typeof peak === 'object' &&
    peak !== null &&
    Number.isFinite(peak.bytes) &&
    peak.bytes >= 0 &&
    Number.isFinite(peak.atMs) &&
    Number.isFinite(peak.durationMs) &&
    Number.isInteger(peak.exitCode) &&
    (peak.v8HeapBytes === undefined || Number.isFinite(peak.v8HeapBytes))
  );
}

/** Parses a ledger file's text; throws with the reason when it is not a ledger this version reads. */
export function parseLedger(text: string): Ledger {
  const data = JSON.parse(text) as Partial<Ledger>;
  if (typeof data !== 'object' || data === null || data.version !== LEDGER_VERSION)
    throw new Error(`not a version ${LEDGER_VERSION} ledger`);
  const ledger = emptyLedger();
  for (const [key, task] of Object.entries(data.tasks ?? {})) {
    if (!Array.isArray(task?.peaks) || !Number.isFinite(task.lastSeenMs)) throw new Error(`malformed entry '${key}'`);
    ledger.tasks[key] = { peaks: task.peaks.filter(isPeak).slice(-MAX_PEAKS_PER_TASK), lastSeenMs: task.lastSeenMs };
  }
  return ledger;
}

/** Adds a peak (pure: returns a new ledger), pruning old tasks and keeping the bounds. */
export function addPeak(ledger: Ledger, key: string, peak: PeakRecord, nowMs: number): Ledger {
  const previous = ledger.tasks[key]?.peaks ?? [];
  const tasks = {
    ...ledger.tasks,
    [key]: { peaks: [...previous, peak].slice(-MAX_PEAKS_PER_TASK), lastSeenMs: nowMs },
  };
  return pruneLedger({ version: LEDGER_VERSION, tasks }, nowMs);
}

/** Drops tasks unseen for PRUNE_AFTER_MS, then the least recently seen beyond MAX_LEDGER_TASKS. */
export function pruneLedger(ledger: Ledger, nowMs: number): Ledger {
  const kept = Object.entries(ledger.tasks)
    .filter(([, task]) => nowMs - task.lastSeenMs <= PRUNE_AFTER_MS)
    .sort(([, a], [, b]) => b.lastSeenMs - a.lastSeenMs)
    .slice(0, MAX_LEDGER_TASKS)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { version: LEDGER_VERSION, tasks: Object.fromEntries(kept) };
}

/** The recorded peaks of `key`, oldest first, in bytes. */
export function peaksOf(ledger: Ledger, key: string): number[] {
  return (ledger.tasks[key]?.peaks ?? []).map((peak) => peak.bytes);
}

export interface LedgerRead {
  ledger: Ledger;
  /** Why the file was not usable (missing is not a problem and gives no reason). */
  problem?: string;
}

export function readLedgerFile(file: string): LedgerRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ledger: emptyLedger() };
    return { ledger: emptyLedger(), problem: `cannot read ${file}: ${(error as Error).message}` };
  }
  try {
    return { ledger: parseLedger(text) };
  } catch (error) {
    return { ledger: emptyLedger(), problem: `${file} is not a heapwise ledger: ${(error as Error).message}` };
  }
}

/**
 * Adds `peak` under `key` in the ledger file: read, add, write a temporary file, rename over it, all
 * under `<file>.lock`. A file that is not a ledger is kept aside as `<file>.unreadable` rather than
 * overwritten silently. Returns the problem with the old file, if any.
 */
export function recordPeak(
  file: string,
  key: string,
  peak: PeakRecord,
  nowMs: number = Date.now(),
  lockOptions: LockOptions = {},
): string | undefined {
  mkdirSync(dirname(file), { recursive: true });
  return withFileLock(
    `${file}.lock`,
    () => {
      const { ledger, problem } = readLedgerFile(file);
      if (problem !== undefined) {
        try {
          renameSync(file, `${file}.unreadable`);
        } catch {
          // unreadable and unmovable: the rename below replaces it
        }
      }
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(addPeak(ledger, key, peak, nowMs), null, 1)}\n`);
      renameSync(temporary, file);
      return problem;
    },
    lockOptions,
  );
}
