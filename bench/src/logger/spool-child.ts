// One disk-spool cell in a fresh process (see spool.ts for the method). The crash scenario forks
// this same file as the process it kills (`writer` role, arguments on argv).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dirBytes } from '@heapwise/testkit';
import {
  memoryAfterGc,
  readCellArgs,
  runChild,
  sleep,
  waitUntil,
  yieldToLoop,
  type MemorySample,
} from '../harness/child.js';
import { importByName } from '../harness/import-by-name.js';
import { startLoopbackElasticsearch, type LoopbackElasticsearch } from '../es/server-client.js';
import { INDEX } from './subjects.js';
import { recordMaker, RECORD_MESSAGE, type RecordKind } from './record.js';

/** Heap plus Buffers: the shipper holds its lines in Buffers outside the heap, the spool its staging. */
function heldBytes(sample: MemorySample): number {
  return sample.heapUsedBytes + sample.externalBytes;
}

export type SpoolScenario = 'spool-outage' | 'spool-calls' | 'spool-crash';
/** `memory`: no spool (the shipper's defaults); the two spool modes otherwise. */
export type SpoolMode = 'memory' | 'write-ahead' | 'overflow-only';

export interface SpoolCellArgs {
  scenario: SpoolScenario;
  mode: SpoolMode;
  records?: number;
  warmupRecords?: number;
  ratePerSec?: number;
  /** How long Elasticsearch is down (outage), or how long the killed process writes (crash). */
  durationMs?: number;
  deliveryDeadlineMs?: number;
  recordKind?: RecordKind;
}

/** The slice of @heapwise/logger this bench uses (imported by name: the bench builds without it). */
interface Stats {
  produced: number;
  recovered: number;
  shipped: number;
  buffered: number;
  spooled: number;
  spooledBytes: number;
  dropped: Record<string, number>;
}
interface Shipper {
  write(line: string): unknown;
  stats(): Stats;
  flush(deadlineMs: number): Promise<unknown>;
  close(deadlineMs: number): Promise<Stats>;
}
interface LoggerModule {
  createLogger(options: { destination: Shipper }): { info(obj: object, msg: string): void };
  createElasticsearchShipper(options: Record<string, unknown>): Shipper;
  SPOOL_DEFAULTS: { maxBytes: number; syncIntervalMs: number };
}

const CALLS_PER_YIELD = 1000;
const PACE_TICK_MS = 10;
/** Disk and heap samples while records flow. */
const SAMPLE_EVERY_MS = 250;
const HEAP_SAMPLE_EVERY_MS = 2000;

function spoolOption(mode: SpoolMode, dir: string): Record<string, unknown> {
  return mode === 'memory' ? {} : { spool: { dir, writeAhead: mode === 'write-ahead' } };
}

/** A shipper in `mode`, its spool in `dir`; errors are only counted in stats(). */
function spooledShipper(logger: LoggerModule, url: string, mode: SpoolMode, dir: string): Shipper {
  return logger.createElasticsearchShipper({
    node: url,
    index: INDEX,
    onError: () => undefined,
    ...spoolOption(mode, dir),
  });
}

/** That shipper and a logger writing to it. */
function spooledLogger(logger: LoggerModule, url: string, mode: SpoolMode, dir: string) {
  const shipper = spooledShipper(logger, url, mode, dir);
  return { shipper, log: logger.createLogger({ destination: shipper }) };
}

/**
 * Runs `cell` against a fresh loopback server (refusing connections from the start when `down`) and
 * spool directory, and closes and removes both afterwards.
 */
async function withServerAndSpool<T>(
  logger: LoggerModule,
  mode: SpoolMode,
  serverOptions: { storeSources: boolean; down: boolean },
  cell: (setup: { server: LoopbackElasticsearch; dir: string } & ReturnType<typeof spooledLogger>) => Promise<T>,
): Promise<T> {
  const { storeSources, down } = serverOptions;
  const server = await startLoopbackElasticsearch({ storeSources });
  if (down) await server.setMode('refuse');
  const dir = mkdtempSync(join(tmpdir(), 'heapwise-bench-spool-'));
  const { shipper, log } = spooledLogger(logger, server.url, mode, dir);
  try {
    return await cell({ server, dir, shipper, log });
  } finally {
    await shipper.close(2000);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Logs `ratePerSec` for `durationMs` in 10 ms ticks, calling `sample` every tick; returns the count. */
async function logPaced(
  log: (seq: number) => void,
  ratePerSec: number,
  durationMs: number,
  sample: () => void,
): Promise<number> {
  const start = performance.now();
  let written = 0;
  for (;;) {
    const elapsed = performance.now() - start;
    const target = Math.floor((Math.min(elapsed, durationMs) * ratePerSec) / 1000);
    while (written < target) log(written++);
    sample();
    if (elapsed >= durationMs) return written;
    await sleep(PACE_TICK_MS);
  }
}

function drained(stats: Stats): boolean {
  return stats.buffered === 0 && stats.spooled === 0;
}

function droppedTotal(stats: Stats): number {
  return Object.values(stats.dropped).reduce((sum, count) => sum + count, 0);
}

/** Waits until the server holds `expected` distinct records, or the shipper holds nothing and the server is quiet. */
async function waitForAll(
  server: LoopbackElasticsearch,
  shipper: Shipper,
  expected: number,
  deadlineMs: number,
  sample: () => void,
): Promise<{ distinct: number; allAtMs: number | undefined }> {
  let distinct = 0;
  let quietSince = performance.now();
  let allAtMs: number | undefined;
  await waitUntil(
    async () => {
      sample();
      const now = (await server.counters()).accepted;
      if (now !== distinct) quietSince = performance.now();
      distinct = now;
      if (distinct >= expected) {
        allAtMs = performance.now();
        return true;
      }
      return drained(shipper.stats()) && performance.now() - quietSince > 1000;
    },
    deadlineMs,
    50,
  );
  return { distinct: (await server.seqs()).distinct, allAtMs };
}

async function outage(logger: LoggerModule, args: SpoolCellArgs): Promise<Record<string, number>> {
  const makeRecord = recordMaker(args.recordKind ?? 'small');
  const serverOptions = { storeSources: true, down: true };
  return withServerAndSpool(logger, args.mode, serverOptions, async ({ server, dir, shipper, log }) => {
    await sleep(200);
    const baseline = heldBytes(memoryAfterGc());
    const grownSinceBaseline = (): number => heldBytes(memoryAfterGc()) - baseline;
    let maxDiskBytes = 0;
    let maxHeldGrowthBytes = 0;
    let lastSampleAt = 0;
    let lastHeapAt = performance.now();
    const sample = (): void => {
      const now = performance.now();
      if (now - lastSampleAt >= SAMPLE_EVERY_MS) {
        lastSampleAt = now;
        maxDiskBytes = Math.max(maxDiskBytes, dirBytes(dir));
      }
      if (now - lastHeapAt >= HEAP_SAMPLE_EVERY_MS) {
        lastHeapAt = now;
        maxHeldGrowthBytes = Math.max(maxHeldGrowthBytes, grownSinceBaseline());
      }
    };
    const produced = await logPaced(
      (seq) => log.info(makeRecord(seq), RECORD_MESSAGE),
      args.ratePerSec!,
      args.durationMs!,
      sample,
    );
    const heldAtOutageEndBytes = grownSinceBaseline();
    maxHeldGrowthBytes = Math.max(maxHeldGrowthBytes, heldAtOutageEndBytes);
    const atEnd = shipper.stats();
    await server.setMode('ok');
    const back = performance.now();
    const delivered = await waitForAll(server, shipper, produced, args.deliveryDeadlineMs!, sample);
    maxHeldGrowthBytes = Math.max(maxHeldGrowthBytes, grownSinceBaseline());
    const seqs = await server.seqs();
    const stats = shipper.stats();
    return {
      produced,
      deliveredFraction: delivered.distinct / produced,
      duplicates: seqs.duplicates,
      heldGrowthBytes: maxHeldGrowthBytes,
      heldAtOutageEndBytes,
      bufferedAtOutageEnd: atEnd.buffered,
      maxDiskBytes,
      spooledAtEnd: atEnd.spooled,
      timeToAllMs: delivered.allAtMs === undefined ? -1 : delivered.allAtMs - back,
      drainPerSec:
        delivered.allAtMs === undefined ? 0 : ((produced - atEnd.shipped) * 1000) / (delivered.allAtMs - back),
      droppedByLibrary: droppedTotal(stats),
    };
  });
}

async function calls(logger: LoggerModule, args: SpoolCellArgs): Promise<Record<string, number>> {
  const makeRecord = recordMaker(args.recordKind ?? 'access');
  return withServerAndSpool(logger, args.mode, { storeSources: false, down: false }, async ({ shipper, log }) => {
    const burst = async (from: number, count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        log.info(makeRecord(from + i), RECORD_MESSAGE);
        if ((i + 1) % CALLS_PER_YIELD === 0) await yieldToLoop();
      }
    };
    const warmup = args.warmupRecords ?? 0;
    await burst(0, warmup);
    await shipper.flush(10_000);
    const start = performance.now();
    await burst(warmup, args.records!);
    const elapsedMs = performance.now() - start;
    await shipper.flush(30_000);
    const stats = shipper.stats();
    return {
      callsPerSec: (args.records! * 1000) / elapsedMs,
      deliveredFraction: (stats.shipped - warmup) / args.records!,
      droppedByLibrary: droppedTotal(stats),
    };
  });
}

/** The process that is killed: logs at `rate` with Elasticsearch down, reporting its count every tick. */
async function writer(dir: string, url: string, mode: SpoolMode, ratePerSec: number): Promise<void> {
  const logger = (await importByName('@heapwise/logger')) as LoggerModule;
  const { shipper, log } = spooledLogger(logger, url, mode, dir);
  const makeRecord = recordMaker('small');
  let last = 0;
  await logPaced(
    (seq) => log.info(makeRecord(seq), RECORD_MESSAGE),
    ratePerSec,
    3_600_000,
    () => {
      const written = shipper.stats().produced;
      if (written !== last) process.send?.(written);
      last = written;
    },
  );
}

async function crash(logger: LoggerModule, args: SpoolCellArgs): Promise<Record<string, number>> {
  const server = await startLoopbackElasticsearch({ storeSources: true });
  await server.setMode('refuse');
  const dir = mkdtempSync(join(tmpdir(), 'heapwise-bench-spool-'));
  try {
    const self = fileURLToPath(import.meta.url);
    const child = fork(self, ['writer', dir, server.url, args.mode, String(args.ratePerSec)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '' },
      execArgv: [],
    });
    let written = 0;
    child.on('message', (count: number) => (written = count));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await sleep(args.durationMs!);
    child.kill('SIGKILL');
    await exited;
    await server.setMode('ok');
    const start = performance.now();
    const shipper = spooledShipper(logger, server.url, args.mode, dir);
    await waitUntil(() => drained(shipper.stats()), args.deliveryDeadlineMs!, 20);
    const drainMs = performance.now() - start;
    const stats = await shipper.close(2000);
    const seqs = await server.seqs();
    return {
      written,
      recovered: stats.recovered,
      recoveredFraction: seqs.distinct / written,
      lost: Math.max(0, written - seqs.distinct),
      drainPerSec: (stats.shipped * 1000) / drainMs,
      duplicates: seqs.duplicates,
      corrupt: stats.dropped.corrupt ?? 0,
    };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'writer') {
  const [, , , dir, url, mode, rate] = process.argv;
  await writer(dir, url, mode as SpoolMode, Number(rate));
} else {
  runChild(async () => {
    const args = readCellArgs<SpoolCellArgs>();
    const logger = (await importByName('@heapwise/logger')) as LoggerModule;
    switch (args.scenario) {
      case 'spool-outage':
        return outage(logger, args);
      case 'spool-calls':
        return calls(logger, args);
      case 'spool-crash':
        return crash(logger, args);
    }
  });
}
