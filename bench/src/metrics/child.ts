// One metrics cell: one library, one scenario, in a fresh process. See main.ts for the method.
import { memoryAfterGc, readCellArgs, runChild, sleep } from '../harness/child.js';
import { createMetrics, type LabelSet, type MetricsSubjectName } from './subjects.js';

export type MetricsScenario =
  'counter-inc' | 'counter-inc-labels' | 'histogram-observe' | 'gauge-set' | 'scrape' | 'cardinality' | 'lifecycle';

export interface MetricsCellArgs {
  subject: MetricsSubjectName;
  scenario: MetricsScenario;
  /** Operations timed (ns/op scenarios), series (scrape, cardinality) or cycles (lifecycle). */
  size: number;
  warmup?: number;
  scrapes?: number;
  idleMs?: number;
}

/** Series per metric in the scrape scenario: below every library's default cap, so nothing overflows. */
const SERIES_PER_METRIC = 500;
/** Quiet time before the idle-CPU baseline of the lifecycle scenario. */
const SETTLE_MS = 1000;
/** Distinct label sets the labelled ns/op cells cycle through (a few routes × methods, as in a service). */
const LABEL_SETS: LabelSet[] = ['GET', 'POST'].flatMap((method) =>
  ['/api/orders', '/api/users', '/api/slow', '/health'].map((route) => ({ method, route })),
);

function idleCpuMsPerSec(ms: number): Promise<number> {
  const before = process.cpuUsage();
  const start = performance.now();
  return sleep(ms).then(() => {
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / ((performance.now() - start) / 1000);
  });
}

runChild(async () => {
  const args = readCellArgs<MetricsCellArgs>();
  const result: Record<string, number | string> = {};
  switch (args.scenario) {
    case 'counter-inc':
    case 'counter-inc-labels':
    case 'histogram-observe':
    case 'gauge-set': {
      const m = await createMetrics(args.subject);
      const labelled = args.scenario === 'counter-inc-labels';
      const counter = m.counter('bench_ops_total', labelled ? ['method', 'route'] : []);
      const histogram = m.histogram('bench_duration_seconds', []);
      const gauge = m.gauge('bench_level', []);
      const op =
        args.scenario === 'counter-inc'
          ? () => counter.inc()
          : labelled
            ? (i: number) => counter.inc(LABEL_SETS[i & 7])
            : args.scenario === 'histogram-observe'
              ? (i: number) => histogram.observe((i % 1000) / 1000)
              : (i: number) => gauge.set(i);
      for (let i = 0; i < (args.warmup ?? 0); i++) op(i);
      const start = process.hrtime.bigint();
      for (let i = 0; i < args.size; i++) op(i);
      const elapsedNs = Number(process.hrtime.bigint() - start);
      result.nsPerOp = elapsedNs / args.size;
      // Keep the work observable so no engine could drop it.
      result.scrapeBytes = (await m.scrape()).length;
      await m.destroy();
      break;
    }
    case 'scrape': {
      const m = await createMetrics(args.subject);
      const metrics = Math.ceil(args.size / SERIES_PER_METRIC);
      for (let k = 0; k < metrics; k++) {
        const c = m.counter(`bench_requests_${k}_total`, ['method', 'path']);
        for (let i = 0; i < SERIES_PER_METRIC; i++) c.inc({ method: i % 2 ? 'GET' : 'POST', path: `/api/items/${i}` });
      }
      for (let i = 0; i < (args.warmup ?? 3); i++) await m.scrape();
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < (args.scrapes ?? 20); i++) {
        const start = performance.now();
        const text = await m.scrape();
        times.push(performance.now() - start);
        bytes = text.length;
      }
      times.sort((a, b) => a - b);
      result.scrapeMs = times[Math.floor(times.length / 2)]!;
      result.scrapeBytes = bytes;
      result.samples = (await m.scrape()).split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
      await m.destroy();
      break;
    }
    case 'cardinality': {
      const m = await createMetrics(args.subject);
      const counter = m.counter('bench_requests_by_user_total', ['method', 'user'], args.size);
      counter.inc({ method: 'GET', user: 'warm' });
      const before = memoryAfterGc();
      for (let i = 0; i < args.size; i++) counter.inc({ method: 'GET', user: `user-${i}` });
      const after = memoryAfterGc();
      result.heapGrowthBytes = after.heapUsedBytes - before.heapUsedBytes;
      result.heapUsedAfterBytes = after.heapUsedBytes;
      // What a scrape exposes afterwards: how many series the library kept.
      result.series = (await m.scrape())
        .split('\n')
        .filter((line) => line.startsWith('bench_requests_by_user_total')).length;
      await m.destroy();
      break;
    }
    case 'lifecycle': {
      const cycle = async (): Promise<void> => {
        const m = await createMetrics(args.subject, true);
        m.counter('bench_cycles_total', []).inc();
        await m.scrape();
        await m.destroy();
      };
      const idleMs = args.idleMs ?? 1000;
      // Start-up work (lazy compilation, module init) must be over before the baseline is taken.
      await sleep(SETTLE_MS);
      // CPU baseline before anything was created: after the cycles the process should be this idle again.
      const cpuBefore = await idleCpuMsPerSec(idleMs);
      const handlesBefore = process.getActiveResourcesInfo().length;
      // Heap baseline after one cycle, so that loading the library's modules is not counted as growth.
      await cycle();
      const before = memoryAfterGc();
      for (let i = 0; i < args.size; i++) await cycle();
      await sleep(100);
      const after = memoryAfterGc();
      // Same quiet time as before the baseline, so the forced GC's tail is not counted as idle CPU.
      await sleep(SETTLE_MS);
      const cpuAfter = await idleCpuMsPerSec(idleMs);
      result.heapGrowthBytes = after.heapUsedBytes - before.heapUsedBytes;
      result.activeHandlesGrowth = process.getActiveResourcesInfo().length - handlesBefore;
      result.idleCpuMsPerSecBefore = cpuBefore;
      result.idleCpuMsPerSecAfter = cpuAfter;
      break;
    }
  }
  return result;
});
