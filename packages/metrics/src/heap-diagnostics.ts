// Evidence of what fills the heap, taken safely under memory pressure: a sampling heap profile
// (V8's sampling heap profiler through node:inspector: allocation sites of the objects still live
// when it stops, a few MB whatever the heap size) written as a `.heapprofile` that Chrome
// DevTools opens. A full heap snapshot needs about twice the heap and, in a container, ends in a
// 0-byte file and a SIGKILL when that memory is not there, so it is taken only when free memory
// (cgroup-aware) is at least SNAPSHOT_FREE_MEMORY_FACTOR × the heap used, and only when enabled.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { freemem } from 'node:os';
import { join } from 'node:path';
import * as v8 from 'node:v8';
import { createCgroupMemoryReader, type CgroupMemoryOptions } from '@heapwise/cgroup';
import type { Scope } from './lifecycle-adapter.js';

/** How long a profile samples when not configured: long enough to see a leak's allocations. */
export const DEFAULT_HEAP_PROFILE_DURATION_MS = 10_000;
/** Longest sampling accepted: a profile is evidence, not a mode to run in. */
export const MAX_HEAP_PROFILE_DURATION_MS = 60_000;
/** Files of each kind (profiles, snapshots) kept in the directory; older ones are deleted. */
export const DEFAULT_MAX_DIAGNOSTIC_FILES = 5;
/** V8's own default: one sample per 32 KiB allocated on average. */
export const DEFAULT_SAMPLING_INTERVAL_BYTES = 32 * 1024;
/** A heap snapshot is written only when free memory is at least this many times the heap used. */
export const SNAPSHOT_FREE_MEMORY_FACTOR = 2;
/** Diagnostic records kept for report(). */
const MAX_DIAGNOSTIC_RECORDS = 20;

const PROFILE_SUFFIX = '.heapprofile';
const SNAPSHOT_SUFFIX = '.heapsnapshot';

export interface HeapDiagnosticsOptions {
  /** Directory for `.heapprofile` (and `.heapsnapshot`) files; created when missing. */
  dir: string;
  /** Files of each kind kept (default 5); the oldest are deleted. */
  maxFiles?: number;
  /** How long a profile samples (default 10 000 ms, at most 60 000). */
  durationMs?: number;
  /** Average bytes between samples (default 32 KiB, V8's default). */
  samplingIntervalBytes?: number;
  /** Also write a heap snapshot after the profile, when free memory allows (default false). */
  snapshot?: boolean;
  /** Where the cgroup files are (fixtures in tests). */
  cgroup?: CgroupMemoryOptions;
  /** Free memory in bytes (default: the smaller of os.freemem() and the cgroup's limit − usage). */
  freeMemoryBytes?: () => number;
}

export type DiagnosticTrigger = 'critical' | 'manual';

export interface DiagnosticRecord {
  kind: 'profile' | 'snapshot';
  trigger: DiagnosticTrigger;
  atMs: number;
  /** Written file, absent when skipped or failed. */
  file?: string;
  bytes?: number;
  durationMs?: number;
  /** Why nothing was written. */
  skipped?: string;
  error?: string;
}

export interface HeapDiagnostics {
  /** Samples for the configured duration and writes a `.heapprofile`; one capture at a time. */
  capture(trigger: DiagnosticTrigger): Promise<DiagnosticRecord[]>;
  records(): DiagnosticRecord[];
  /** Ends a running capture early (it still writes what it sampled). Idempotent. */
  close(): Promise<void>;
}

export function resolveHeapDiagnosticsOptions(
  options: HeapDiagnosticsOptions,
): Required<Pick<HeapDiagnosticsOptions, 'dir' | 'maxFiles' | 'durationMs' | 'samplingIntervalBytes' | 'snapshot'>> {
  if (typeof options.dir !== 'string' || options.dir === '') {
    throw new TypeError('heapProfile.dir must be a directory path');
  }
  const maxFiles = options.maxFiles ?? DEFAULT_MAX_DIAGNOSTIC_FILES;
  if (!Number.isInteger(maxFiles) || maxFiles < 1 || maxFiles > 100) {
    throw new RangeError(`heapProfile.maxFiles must be an integer from 1 to 100, got ${maxFiles}`);
  }
  const durationMs = options.durationMs ?? DEFAULT_HEAP_PROFILE_DURATION_MS;
  if (!Number.isFinite(durationMs) || durationMs < 1 || durationMs > MAX_HEAP_PROFILE_DURATION_MS) {
    throw new RangeError(
      `heapProfile.durationMs must be from 1 to ${MAX_HEAP_PROFILE_DURATION_MS} ms, got ${durationMs}`,
    );
  }
  const samplingIntervalBytes = options.samplingIntervalBytes ?? DEFAULT_SAMPLING_INTERVAL_BYTES;
  if (!Number.isInteger(samplingIntervalBytes) || samplingIntervalBytes < 1) {
    throw new RangeError(`heapProfile.samplingIntervalBytes must be a positive integer, got ${samplingIntervalBytes}`);
  }
  return { dir: options.dir, maxFiles, durationMs, samplingIntervalBytes, snapshot: options.snapshot ?? false };
}

/** Keeps the newest `maxFiles` files ending in `suffix`; returns the deleted names. */
export function pruneOldest(dir: string, suffix: string, maxFiles: number): string[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .map((name) => ({ name, mtimeMs: statSync(join(dir, name)).mtimeMs }))
    // names start with a sortable timestamp: ties of mtime fall back to the name
    .sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
  const deleted = files.slice(0, Math.max(0, files.length - maxFiles)).map((f) => f.name);
  for (const name of deleted) rmSync(join(dir, name), { force: true });
  return deleted;
}

/** `heap-2026-11-29T06-40-00-123Z-critical-12345.heapprofile`: sortable, one per process and time. */
function fileName(atMs: number, trigger: DiagnosticTrigger, suffix: string): string {
  return `heap-${new Date(atMs).toISOString().replace(/[:.]/g, '-')}-${trigger}-${process.pid}${suffix}`;
}

export function createHeapDiagnostics(
  options: HeapDiagnosticsOptions,
  scope: Scope,
  now: () => number,
): HeapDiagnostics {
  const config = resolveHeapDiagnosticsOptions(options);
  const cgroup = createCgroupMemoryReader(options.cgroup);
  const freeMemoryBytes =
    options.freeMemoryBytes ??
    (() => {
      const limit = cgroup.limit()?.bytes;
      const usage = cgroup.usageBytes();
      const cgroupFree = limit !== undefined && usage !== undefined ? Math.max(0, limit - usage) : Infinity;
      return Math.min(freemem(), cgroupFree);
    });
  const records: DiagnosticRecord[] = [];
  const remember = (record: DiagnosticRecord): DiagnosticRecord => {
    records.push(record);
    if (records.length > MAX_DIAGNOSTIC_RECORDS) records.shift();
    return record;
  };
  let running: Promise<DiagnosticRecord[]> | undefined;
  let finishEarly: (() => void) | undefined;
  let closed = false;

  const profile = async (trigger: DiagnosticTrigger): Promise<DiagnosticRecord> => {
    const atMs = now();
    const startedAt = performance.now();
    const session = new Session();
    session.connect();
    try {
      await session.post('HeapProfiler.enable');
      await session.post('HeapProfiler.startSampling', { samplingInterval: config.samplingIntervalBytes });
      await new Promise<void>((resolve) => {
        const timer = scope.setTimeout(resolve, config.durationMs, 'heap profile sampling');
        finishEarly = () => {
          timer.clear();
          resolve();
        };
      });
      const { profile: sampled } = await session.post('HeapProfiler.stopSampling');
      mkdirSync(config.dir, { recursive: true });
      const file = join(config.dir, fileName(atMs, trigger, PROFILE_SUFFIX));
      const text = JSON.stringify(sampled);
      writeFileSync(file, text);
      pruneOldest(config.dir, PROFILE_SUFFIX, config.maxFiles);
      return {
        kind: 'profile',
        trigger,
        atMs,
        file,
        bytes: Buffer.byteLength(text),
        durationMs: performance.now() - startedAt,
      };
    } finally {
      finishEarly = undefined;
      session.disconnect();
    }
  };

  const snapshot = (trigger: DiagnosticTrigger): DiagnosticRecord => {
    const atMs = now();
    const heapUsed = process.memoryUsage().heapUsed;
    const free = freeMemoryBytes();
    if (free < SNAPSHOT_FREE_MEMORY_FACTOR * heapUsed) {
      return {
        kind: 'snapshot',
        trigger,
        atMs,
        skipped:
          `free memory ${Math.round(free / 1048576)} MB is below ${SNAPSHOT_FREE_MEMORY_FACTOR} × ` +
          `the heap used (${Math.round(heapUsed / 1048576)} MB)`,
      };
    }
    const startedAt = performance.now();
    mkdirSync(config.dir, { recursive: true });
    const file = v8.writeHeapSnapshot(join(config.dir, fileName(atMs, trigger, SNAPSHOT_SUFFIX)));
    pruneOldest(config.dir, SNAPSHOT_SUFFIX, config.maxFiles);
    return {
      kind: 'snapshot',
      trigger,
      atMs,
      file,
      bytes: statSync(file).size,
      durationMs: performance.now() - startedAt,
    };
  };

  const capture = (trigger: DiagnosticTrigger): Promise<DiagnosticRecord[]> => {
    if (closed) return Promise.reject(new Error('heap diagnostics closed'));
    running ??= (async () => {
      const done: DiagnosticRecord[] = [];
      try {
        done.push(remember(await profile(trigger)));
      } catch (error) {
        done.push(
          remember({ kind: 'profile', trigger, atMs: now(), error: String((error as Error)?.message ?? error) }),
        );
      }
      if (config.snapshot && !closed) {
        try {
          done.push(remember(snapshot(trigger)));
        } catch (error) {
          done.push(
            remember({ kind: 'snapshot', trigger, atMs: now(), error: String((error as Error)?.message ?? error) }),
          );
        }
      }
      return done;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    capture,
    records: () => records.map((record) => ({ ...record })),
    close: async () => {
      closed = true;
      finishEarly?.();
      await running?.catch(() => undefined);
    },
  };
}
