// One logger cell: one library, one scenario, in a fresh process. See main.ts for the method.
import { memoryAfterGc, readCellArgs, runChild, sleep, waitUntil, yieldToLoop } from '../harness/child.js';
import { startLoopbackElasticsearch, type LoopbackElasticsearch } from '../es/server-client.js';
import { createSubject, type LoggerSubject, type SubjectName } from './subjects.js';
import type { RecordKind } from './record.js';

export type Scenario =
  'throughput' | 'memory-refused' | 'memory-hung' | 'shipping' | 'offered-rate' | 'recovery' | 'mix' | 'partial-429';

export interface LoggerCellArgs {
  subject: SubjectName;
  scenario: Scenario;
  records: number;
  /** In-process warm-up records before timing (JIT), where the scenario times anything. */
  warmupRecords?: number;
  ratePerSec?: number;
  durationMs?: number;
  outageMs?: number;
  recoveryDeadlineMs?: number;
  /** Which record the cell logs (the ~420-byte access log by default). */
  recordKind?: RecordKind;
}

/** Log calls between two yields to the event loop, so background shipping gets its turn as in a real service. */
const CALLS_PER_YIELD = 1000;
/** Pacing tick of the offered-rate scenarios. */
const PACE_TICK_MS = 10;
/**
 * A shipper that has not delivered anything new for this long is taken as finished
 * (winston-elasticsearch flushes every 2 s).
 */
const NO_PROGRESS_MS = 5000;
/**
 * Longest wait for the mix scenario's retries after the last call. A peer that re-sends whole batches
 * keeps "progressing" with duplicates for minutes; what it did in this window is what the table shows.
 */
const MIX_DEADLINE_MS = 20_000;

const needsServer = (subject: SubjectName): boolean =>
  subject !== 'floor' && subject !== 'pino-devnull' && subject !== 'heapwise-logger';

async function logBurst(subject: LoggerSubject, from: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    subject.log(from + i);
    if ((i + 1) % CALLS_PER_YIELD === 0) await yieldToLoop();
  }
}

/** Logs `rate` records per second for `durationMs`, in ticks; returns how many were logged. */
async function logPaced(
  subject: LoggerSubject,
  from: number,
  ratePerSec: number,
  durationMs: number,
  limit = Infinity,
): Promise<number> {
  const start = performance.now();
  let written = 0;
  for (;;) {
    const elapsed = performance.now() - start;
    const target = Math.min(limit, Math.floor((Math.min(elapsed, durationMs) * ratePerSec) / 1000));
    while (written < target) subject.log(from + written++);
    if (elapsed >= durationMs || written >= limit) return written;
    await sleep(PACE_TICK_MS);
  }
}

/** A library that says it holds nothing more (heapwise's stats) is done once the server has been quiet this long. */
const SETTLED_MS = 300;
/**
 * After an outage, a library that cannot say what it still holds is taken as done once nothing new
 * arrived for this long (longer than NO_PROGRESS_MS: a backoff may wait several seconds before the
 * first attempt after the server is back).
 */
const RECOVERY_QUIET_MS = 10_000;

/**
 * Waits until the server has accepted `expected` docs, or delivery stops: no progress for
 * NO_PROGRESS_MS, or the library reports an empty buffer and the server has been quiet for
 * SETTLED_MS. Returns accepted and the time of the last progress.
 */
async function waitForDelivery(
  server: LoopbackElasticsearch,
  subject: LoggerSubject,
  expected: number,
  deadlineMs: number,
  startedAt: number,
): Promise<{ accepted: number; lastProgressAt: number }> {
  let accepted = (await server.counters()).accepted;
  let lastProgressAt = performance.now();
  const until = performance.now() + deadlineMs;
  while (accepted < expected && performance.now() < until && performance.now() - lastProgressAt < NO_PROGRESS_MS) {
    if (subject.stats().buffered === 0 && performance.now() - lastProgressAt >= SETTLED_MS) break;
    await sleep(20);
    const now = (await server.counters()).accepted;
    if (now !== accepted) {
      accepted = now;
      lastProgressAt = performance.now();
    }
  }
  return { accepted, lastProgressAt: Math.max(lastProgressAt, startedAt) };
}

runChild(async () => {
  const args = readCellArgs<LoggerCellArgs>();
  const store = args.scenario === 'recovery' || args.scenario === 'mix' || args.scenario === 'partial-429';
  const server = needsServer(args.subject) ? await startLoopbackElasticsearch({ storeSources: store }) : undefined;
  const url = server?.url ?? 'http://127.0.0.1:9';
  if (server && args.scenario === 'memory-refused') await server.setMode('refuse');
  if (server && args.scenario === 'memory-hung') await server.setMode('stall');
  if (server && args.scenario === 'recovery') await server.setMode('refuse');
  if (server && args.scenario === 'mix') await server.setMode('mix');
  if (server && args.scenario === 'partial-429') await server.setMode('partial-429');

  const subject = await createSubject(args.subject, url, args.recordKind);
  const result: Record<string, number | string> = {};
  let seq = 0;

  switch (args.scenario) {
    case 'throughput': {
      await logBurst(subject, seq, args.warmupRecords ?? 0);
      seq += args.warmupRecords ?? 0;
      if (server) {
        // The warm-up's records must be out of the way before the timed part starts.
        await subject.flush(10_000);
        await waitForDelivery(server, subject, seq, 10_000, 0);
      }
      const before = server ? (await server.counters()).accepted : 0;
      const cpuBefore = process.cpuUsage();
      const start = performance.now();
      await logBurst(subject, seq, args.records);
      const elapsedMs = performance.now() - start;
      result.callsPerSec = (args.records * 1000) / elapsedMs;
      // The whole cost of a record in this process (its call, and shipping it: the flush and the
      // delivery wait included), in CPU time, which other processes on the machine do not inflate.
      await subject.flush(10_000);
      if (server) {
        const delivered = await waitForDelivery(server, subject, before + args.records, 10_000, start);
        result.deliveredFraction = (delivered.accepted - before) / args.records;
      }
      const cpu = process.cpuUsage(cpuBefore);
      result.cpuMicrosPerRecord = (cpu.user + cpu.system) / args.records;
      break;
    }
    case 'memory-refused':
    case 'memory-hung': {
      // Let the client's first connection attempt happen before the baseline.
      await sleep(200);
      const baseline = memoryAfterGc();
      await logBurst(subject, seq, args.records);
      // Let retries and timers run as they would in a service that keeps going.
      await sleep(1000);
      const after = memoryAfterGc();
      result.rssGrowthBytes = after.rssBytes - baseline.rssBytes;
      result.heapGrowthBytes = after.heapUsedBytes - baseline.heapUsedBytes;
      result.externalGrowthBytes = after.externalBytes - baseline.externalBytes;
      result.rssAfterBytes = after.rssBytes;
      result.heapUsedAfterBytes = after.heapUsedBytes;
      break;
    }
    case 'shipping': {
      await logBurst(subject, seq, args.warmupRecords ?? 0);
      seq += args.warmupRecords ?? 0;
      await subject.flush(10_000);
      await waitForDelivery(server!, subject, seq, 10_000, 0);
      const before = (await server!.counters()).accepted;
      const start = performance.now();
      await logBurst(subject, seq, args.records);
      void subject.flush(30_000);
      const delivered = await waitForDelivery(server!, subject, before + args.records, 60_000, start);
      const shipped = delivered.accepted - before;
      result.docsPerSec = (shipped * 1000) / (delivered.lastProgressAt - start);
      result.deliveredFraction = shipped / args.records;
      break;
    }
    case 'offered-rate': {
      const durationMs = args.durationMs!;
      const start = performance.now();
      const produced = await logPaced(subject, seq, args.ratePerSec!, durationMs);
      result.offeredPerSec = (produced * 1000) / (performance.now() - start);
      await subject.flush(10_000);
      const delivered = await waitForDelivery(server!, subject, produced, 30_000, start);
      result.produced = produced;
      result.lost = produced - delivered.accepted;
      break;
    }
    case 'recovery': {
      const outageMs = args.outageMs!;
      const produced = await logPaced(subject, seq, (args.records * 1000) / outageMs, outageMs, args.records);
      await server!.setMode('ok');
      const back = performance.now();
      let distinct = 0;
      let quietSince = performance.now();
      const all = await waitUntil(
        async () => {
          const now = (await server!.seqs()).distinct;
          if (now !== distinct) quietSince = performance.now();
          distinct = now;
          // A library that holds nothing more cannot deliver more: stop waiting (heapwise reports it).
          const buffered = subject.stats().buffered;
          const quietMs = performance.now() - quietSince;
          if (buffered === 0 && quietMs > 1000) return true;
          if (buffered === undefined && quietMs > RECOVERY_QUIET_MS) return true;
          return distinct >= produced;
        },
        args.recoveryDeadlineMs!,
        250,
      );
      result.produced = produced;
      result.deliveredFraction = distinct / produced;
      result.timeToAllMs = all && distinct >= produced ? performance.now() - back : -1;
      result.duplicates = (await server!.seqs()).duplicates;
      break;
    }
    case 'mix': {
      // Paced well below any shipper's capacity, so what is lost is lost to retry handling, not to overflow.
      await logPaced(subject, seq, args.ratePerSec!, (args.records * 1000) / args.ratePerSec!, args.records);
      await subject.flush(30_000);
      await waitForDelivery(server!, subject, Infinity, MIX_DEADLINE_MS, 0);
      const seqs = await server!.seqs();
      const accepted = new Set(seqs.accepted);
      let lostRetryable = 0;
      let acceptedPermanent400 = 0;
      for (let s = 0; s < args.records; s++) {
        if (s % 10 === 0) acceptedPermanent400 += accepted.has(s) ? 1 : 0;
        else lostRetryable += accepted.has(s) ? 0 : 1;
      }
      result.acceptedDistinct = seqs.distinct;
      result.duplicates = seqs.duplicates;
      result.lostRetryable = lostRetryable;
      result.acceptedPermanent400 = acceptedPermanent400;
      break;
    }
    case 'partial-429': {
      // Logged at a rate any shipper keeps up with, so what is missing was lost to retry handling.
      const produced = await logPaced(subject, seq, args.ratePerSec!, args.durationMs!);
      await subject.flush(30_000);
      await waitForDelivery(server!, subject, produced, 30_000, 0);
      const seqs = await server!.seqs();
      result.produced = produced;
      result.deliveredFraction = seqs.distinct / produced;
      result.duplicates = seqs.duplicates;
      break;
    }
  }

  const stats = subject.stats();
  if (stats.dropped !== undefined) result.droppedByLibrary = stats.dropped;
  if (stats.detail !== undefined) result.detail = stats.detail;
  result.libraryErrors = subject.errors;
  await subject.close(2000);
  await server?.close();
  return result;
});
