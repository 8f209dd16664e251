// What `heapwise report` draws: one file per `heapwise turbo` run, `runs/<run id>.jsonl` next to
// the ledger. `heapwise turbo` writes the first line (the pool) and the last (the end); each
// `heapwise run` inside appends one line when its command exits, a single append of one short line,
// which concurrent writers cannot interleave. Only the newest MAX_RUN_FILES runs are kept.
import { appendFileSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export const RUN_ID_ENV = 'HEAPWISE_RUN_ID';
export const RUNS_DIR_NAME = 'runs';
export const MAX_RUN_FILES = 5;

export interface RunStart {
  type: 'start';
  runId: string;
  startMs: number;
  poolBytes: number;
  concurrency: number;
  tasks: string[];
}

export interface TaskRecord {
  type: 'task';
  key: string;
  /** When it asked the pool, when it was admitted, when its command ended: ms since the epoch. */
  arrivalMs: number;
  startMs: number;
  endMs: number;
  estimateBytes: number;
  /** Whether the estimate came from the ledger (else: the request). */
  learned: boolean;
  peakBytes: number;
  /** The node command's V8 heap after its last major GC (see PeakRecord). */
  v8HeapBytes?: number;
  exitCode: number;
  /** [ms since startMs, bytes], bounded by the sampler. */
  timeline: [number, number][];
}

export interface RunEnd {
  type: 'end';
  endMs: number;
  exitCode: number;
}

export type RunLine = RunStart | TaskRecord | RunEnd;

export interface RunRecords {
  start: RunStart | undefined;
  tasks: TaskRecord[];
  end: RunEnd | undefined;
}

/** A run id that sorts by time: `20261129T061502-12345`. */
export function newRunId(nowMs: number = Date.now(), pid: number = process.pid): string {
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '');
  return `${stamp}-${pid}`;
}

export function runFile(cacheDir: string, runId: string): string {
  return join(cacheDir, RUNS_DIR_NAME, `${runId.replace(/[^\w.-]/g, '_')}.jsonl`);
}

export function appendRunLine(file: string, line: RunLine): void {
  mkdirSync(join(file, '..'), { recursive: true });
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

export function parseRunRecords(text: string): RunRecords {
  const records: RunRecords = { start: undefined, tasks: [], end: undefined };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let parsed: RunLine;
    try {
      parsed = JSON.parse(line) as RunLine;
    } catch {
      continue; // a line cut by a crash: the others still count
    }
    if (parsed.type === 'start') records.start = parsed;
    else if (parsed.type === 'task') records.tasks.push(parsed);
    else if (parsed.type === 'end') records.end = parsed;
  }
  return records;
}

function runFiles(cacheDir: string): string[] {
  try {
    return readdirSync(join(cacheDir, RUNS_DIR_NAME))
      .filter((name) => name.endsWith('.jsonl'))
      .sort();
  } catch {
    return [];
  }
}

/** The newest run's file, if any. */
export function latestRunFile(cacheDir: string): string | undefined {
  const names = runFiles(cacheDir);
  const newest = names[names.length - 1];
  return newest === undefined ? undefined : join(cacheDir, RUNS_DIR_NAME, newest);
}

export function readRunRecords(file: string): RunRecords {
  return parseRunRecords(readFileSync(file, 'utf8'));
}

/** Deletes all but the newest `keep` run files. */
export function pruneRunFiles(cacheDir: string, keep: number = MAX_RUN_FILES): void {
  const names = runFiles(cacheDir);
  for (const name of names.slice(0, Math.max(0, names.length - keep))) {
    try {
      unlinkSync(join(cacheDir, RUNS_DIR_NAME, name));
    } catch {
      // pruned by a concurrent run
    }
  }
}
