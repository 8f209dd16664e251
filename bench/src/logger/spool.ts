// The disk spool's rows of `npm run bench:logger` (one call from main.ts), and on their own:
// `npm run bench:logger:spool` (writes bench/results/logger-spool.md). Cells: spool-child.ts.
import { fileURLToPath } from 'node:url';
import { describeEnvironment, startContentionMonitor } from '../harness/environment.js';
import { defaultPlan, isQuick, writeSuite, type Section } from '../harness/report.js';
import { runMatrix, type CellResult, type CellSpec, type RunPlan } from '../harness/runner.js';
import { heapwiseAvailable, log, medianWithRange, NOT_AVAILABLE } from '../harness/suite.js';
import { formatCount, formatFixed, formatMiB, formatPercent, markdownTable, ratioCell } from '../harness/table.js';
import { importByName } from '../harness/import-by-name.js';
import type { SpoolCellArgs, SpoolMode, SpoolScenario } from './spool-child.js';

const quick = isQuick();
/** The goals' own figures (60 s at 5k records/s), smaller in quick mode. */
const SIZES = {
  outageRatePerSec: 5_000,
  outageMs: quick ? 10_000 : 60_000,
  outageDeliveryDeadlineMs: quick ? 60_000 : 240_000,
  callRecords: quick ? 10_000 : 20_000,
  callWarmupRecords: quick ? 1_000 : 3_000,
  crashRatePerSec: 5_000,
  crashWriteMs: quick ? 4_000 : 10_000,
  crashDeliveryDeadlineMs: quick ? 60_000 : 120_000,
};
/** Heap allowed above the memory caps while the spool holds the rest (the goal's 5 MiB). */
const HEAP_ALLOWANCE_BYTES = 5 * 1048576;

const MODE_LABEL: Record<SpoolMode, string> = {
  memory: 'memory only (no spool, defaults)',
  'write-ahead': '**spool, write-ahead** (default mode)',
  'overflow-only': 'spool, overflow-only (`writeAhead: false`)',
};

function cell(scenario: SpoolScenario, mode: SpoolMode, args: Omit<SpoolCellArgs, 'scenario' | 'mode'>): CellSpec {
  const timeoutMs = (args.durationMs ?? 0) + (args.deliveryDeadlineMs ?? 60_000) + 60_000;
  return {
    id: `${scenario}/${mode}`,
    script: 'logger/spool-child.js',
    args: { scenario, mode, ...args },
    nodeFlags: ['--expose-gc'],
    timeoutMs,
  };
}

const verdict = (met: boolean | undefined): string => (met === undefined ? 'n/a' : met ? '**met**' : '**missed**');

/**
 * Runs the spool cells; returns their sections (every row: value, goal, met/missed, ratio) and the
 * cells' raw results.
 */
export async function runSpoolBench(): Promise<{ sections: Section[]; raw: Record<string, unknown> }> {
  if (!(await heapwiseAvailable('@heapwise/logger', 'createElasticsearchShipper'))) {
    return { sections: [{ title: 'Logger: disk spool', method: `${NOT_AVAILABLE}.`, table: '' }], raw: {} };
  }
  const limits = (await importByName('@heapwise/logger')) as {
    SHIPPER_DEFAULTS: { maxBufferedBytes: number; maxBufferedItems: number };
    SPOOL_DEFAULTS: { maxBytes: number; syncIntervalMs: number };
  };
  const { maxBufferedBytes, maxBufferedItems } = limits.SHIPPER_DEFAULTS;
  const { maxBytes, syncIntervalMs } = limits.SPOOL_DEFAULTS;
  // Counting cells with yes/no goals, one at a time (the drain is CPU-bound): an outage cell takes
  // minutes (60 s of logging, then the drain), so it runs once; the crash cells twice.
  const outagePlan: RunPlan = { runs: 1, warmups: 0, concurrency: 1 };
  const counted: RunPlan = { runs: quick ? 1 : 2, warmups: 0, concurrency: 1 };
  const timed = defaultPlan(1);

  log('logger spool 1/3: 60 s outage at 5k records/s, then back');
  // The reference: the memory-only shipper holding a full buffer (the outage just short of its item
  // cap, so nothing overflows) of the same records at the same rate.
  const fullBufferMs = Math.floor(((maxBufferedItems * 0.98) / SIZES.outageRatePerSec) * 1000);
  const outage = await runMatrix(
    (['memory', 'write-ahead', 'overflow-only'] as const).map((mode) =>
      cell('spool-outage', mode, {
        ratePerSec: SIZES.outageRatePerSec,
        durationMs: mode === 'memory' ? fullBufferMs : SIZES.outageMs,
        deliveryDeadlineMs: SIZES.outageDeliveryDeadlineMs,
        recordKind: 'small',
      }),
    ),
    outagePlan,
    log,
  );
  log('logger spool 2/3: log-call rate, memory only against the spool');
  const calls = await runMatrix(
    (['memory', 'write-ahead', 'overflow-only'] as const).map((mode) =>
      cell('spool-calls', mode, { records: SIZES.callRecords, warmupRecords: SIZES.callWarmupRecords }),
    ),
    timed,
    log,
  );
  log('logger spool 3/3: kill -9 while Elasticsearch is down, then a new process drains the spool');
  const crash = await runMatrix(
    (['write-ahead', 'overflow-only'] as const).map((mode) =>
      cell('spool-crash', mode, {
        ratePerSec: SIZES.crashRatePerSec,
        durationMs: SIZES.crashWriteMs,
        deliveryDeadlineMs: SIZES.crashDeliveryDeadlineMs,
      }),
    ),
    counted,
    log,
  );

  const find = (results: CellResult[], id: string): CellResult | undefined => results.find((r) => r.spec.id === id);
  const value = (results: CellResult[], id: string, key: string): number | undefined => find(results, id)?.median[key];
  const sections: Section[] = [];

  // 1. the outage, against the goals
  {
    const reference = value(outage, 'spool-outage/memory', 'heldGrowthBytes');
    const heapGoal = reference === undefined ? undefined : reference + HEAP_ALLOWANCE_BYTES;
    const referenceRow = [
      `memory only, filled to its item cap (${formatCount(value(outage, 'spool-outage/memory', 'produced'))} ` +
        "records): the memory caps' heap",
      'heap + external growth (max, after GC)',
      medianWithRange(find(outage, 'spool-outage/memory'), 'heldGrowthBytes', (v) => formatMiB(v)),
      'reference',
      '—',
      '—',
    ];
    const rows = (['write-ahead', 'overflow-only'] as const).flatMap((mode) => {
      const id = `spool-outage/${mode}`;
      const r = find(outage, id);
      const delivered = value(outage, id, 'deliveredFraction');
      const duplicates = value(outage, id, 'duplicates');
      const heap = value(outage, id, 'heldGrowthBytes');
      const disk = value(outage, id, 'maxDiskBytes');
      return [
        [
          MODE_LABEL[mode],
          'delivered',
          medianWithRange(r, 'deliveredFraction', (v) => formatPercent(v)),
          '100 %',
          verdict(delivered === undefined ? undefined : delivered >= 1),
          formatFixed(delivered, 3),
        ],
        [
          MODE_LABEL[mode],
          'duplicates',
          medianWithRange(r, 'duplicates'),
          '0',
          verdict(duplicates === undefined ? undefined : duplicates === 0),
          '—',
        ],
        [
          MODE_LABEL[mode],
          'heap + external growth (max, after GC)',
          medianWithRange(r, 'heldGrowthBytes', (v) => formatMiB(v)),
          `≤ reference + 5 MiB = ${formatMiB(heapGoal)}`,
          verdict(heap === undefined || heapGoal === undefined ? undefined : heap <= heapGoal),
          heap === undefined || heapGoal === undefined ? 'n/a' : formatFixed(heap / heapGoal, 2, '×'),
        ],
        [
          MODE_LABEL[mode],
          'spool directory (max, sum of file sizes)',
          medianWithRange(r, 'maxDiskBytes', (v) => formatMiB(v)),
          `≤ ${formatMiB(maxBytes, 0)}`,
          verdict(disk === undefined ? undefined : disk <= maxBytes),
          disk === undefined ? 'n/a' : formatFixed(disk / maxBytes, 2, '×'),
        ],
        [
          MODE_LABEL[mode],
          'drain after the return (records/s)',
          medianWithRange(r, 'drainPerSec'),
          'measured',
          '—',
          '—',
        ],
      ];
    });
    sections.push({
      title: 'Logger spool 1: a 60 s outage with the disk spool',
      method:
        `The server refuses connections while ${formatCount(SIZES.outageRatePerSec)} records/s are logged for ` +
        `${SIZES.outageMs / 1000} s (\`logger.info\`, ~300-byte pino lines), then comes back on the same port; ` +
        'delivered = distinct records (by `seq`) the server holds, at most ' +
        `${SIZES.outageDeliveryDeadlineMs / 1000} s later. The shipper has its defaults ` +
        `(${formatCount(maxBufferedItems)} items / ${formatMiB(maxBufferedBytes, 0)} in memory) and ` +
        '`spool: { dir }` with SPOOL_DEFAULTS ' +
        `(\`maxBytes\` ${formatMiB(maxBytes, 0)}). Heap + external growth (\`heapUsed + external\`, ` +
        'Buffers included): the largest of samples after two forced GCs, ' +
        `every 2 s and at the end of the outage, over a baseline taken before the first record. The directory's ` +
        `size is sampled every 250 ms. Drain: records delivered after the return / time until the last one. ` +
        `${outagePlan.runs} run per row, one at a time.`,
      table: markdownTable(
        ['shipper', 'quantity', 'value median (min–max)', 'goal', 'met', 'value / goal'],
        [referenceRow, ...rows],
      ),
      notes: [
        'The memory goal is the memory caps + 5 MiB, where "the memory caps" is what the memory-only shipper ' +
          "holds at its caps, measured in the same run (the reference row: the caps' byte count plus each " +
          "held record's fixed overhead, see the Limits section of the logger README). With the spool, " +
          'memory stays at the caps while the disk takes the rest.',
      ],
    });
  }
  // 2. log-call rate
  {
    const base = value(calls, 'spool-calls/memory', 'callsPerSec');
    const rows = (['memory', 'write-ahead', 'overflow-only'] as const).map((mode) => {
      const id = `spool-calls/${mode}`;
      const rate = value(calls, id, 'callsPerSec');
      const ratio = base === undefined || rate === undefined ? undefined : rate / base;
      return [
        MODE_LABEL[mode],
        medianWithRange(find(calls, id), 'callsPerSec'),
        medianWithRange(find(calls, id), 'deliveredFraction', (v) => formatPercent(v)),
        mode === 'memory' ? '—' : '≥ 0.80× memory only',
        mode === 'memory' ? '—' : verdict(ratio === undefined ? undefined : ratio >= 0.8),
        mode === 'memory' ? '—' : ratioCell(rate, base, true),
      ];
    });
    sections.push({
      title: 'Logger spool 2: log-call rate with the spool attached',
      method:
        `${formatCount(SIZES.callRecords)} \`logger.info(record, msg)\` calls (the ~420-byte access-log record) ` +
        `after ${formatCount(SIZES.callWarmupRecords)} warm-up calls, yielding every 1000 calls, with the ` +
        'loopback server up; calls/s = calls / time to make them. Same run, same record, same shipper defaults; ' +
        `the spool rows add \`spool: { dir }\` (synced every ${syncIntervalMs} ms). ${timed.runs} runs per row ` +
        `after ${timed.warmups} warm-up.`,
      table: markdownTable(
        ['shipper', 'calls/s median (min–max)', 'delivered', 'goal', 'met', 'this / memory only'],
        rows,
      ),
    });
  }
  // 3. kill -9 and recovery
  {
    // What write-ahead promises to lose at most: the records of one sync interval.
    const intervalRecords = (SIZES.crashRatePerSec * syncIntervalMs) / 1000;
    const rows = (['write-ahead', 'overflow-only'] as const).map((mode) => {
      const id = `spool-crash/${mode}`;
      const r = find(crash, id);
      const duplicates = value(crash, id, 'duplicates');
      const lost = value(crash, id, 'lost');
      return [
        MODE_LABEL[mode],
        medianWithRange(r, 'written'),
        medianWithRange(r, 'recoveredFraction', (v) => formatPercent(v)),
        medianWithRange(r, 'lost'),
        mode === 'write-ahead' ? `≤ ${formatCount(intervalRecords)}` : '—',
        mode === 'write-ahead' ? verdict(lost === undefined ? undefined : lost <= intervalRecords) : '—',
        mode === 'write-ahead' && lost !== undefined ? formatFixed(lost / intervalRecords, 2, '×') : '—',
        medianWithRange(r, 'drainPerSec'),
        medianWithRange(r, 'duplicates'),
        verdict(duplicates === undefined ? undefined : duplicates === 0),
        medianWithRange(r, 'corrupt'),
      ];
    });
    sections.push({
      title: 'Logger spool 3: recovery after kill -9',
      method:
        `A process logs ${formatCount(SIZES.crashRatePerSec)} records/s with Elasticsearch down for ` +
        `${SIZES.crashWriteMs / 1000} s and is killed with SIGKILL; a new process with the same \`dir\` and the ` +
        'server up delivers what the spool holds. delivered = distinct records the server holds / records the ' +
        'killed process had logged (its last report, ≤ 10 ms before the kill); drain = records shipped / time ' +
        `from the new shipper's creation until nothing is left. ${counted.runs} run(s) per mode.`,
      table: markdownTable(
        [
          'shipper',
          'logged before the kill',
          'delivered after restart',
          'lost',
          'goal (one sync interval)',
          'met',
          'lost / goal',
          'drain (records/s)',
          'duplicates',
          'goal 0 duplicates',
          'corrupt (torn tail)',
        ],
        rows,
      ),
      notes: [
        `Write-ahead loses at most the last sync interval (${syncIntervalMs} ms); overflow-only loses what ` +
          'memory held (up to the caps), since only records that did not fit were on disk.',
      ],
    });
  }
  return { sections, raw: { outage, calls, crash, sizes: SIZES } };
}

async function main(): Promise<void> {
  const environment = describeEnvironment();
  const contention = startContentionMonitor();
  const { sections, raw } = await runSpoolBench();
  writeSuite({
    suite: 'logger-spool',
    command: 'npm run bench:logger:spool',
    environment,
    packages: ['@heapwise/logger', '@heapwise/testkit'],
    plan: defaultPlan(1),
    contention: contention.stop(),
    sections,
    raw,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
