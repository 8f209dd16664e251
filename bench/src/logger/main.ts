// `npm run bench:logger`: the logger tables. Every cell is one library × one scenario, run in fresh
// processes (see harness/runner.ts); the loopback Elasticsearch is @heapwise/testkit's server in a
// separate process per cell. Every scenario has a wall-clock budget: a process still running when
// it is spent is killed, the rest are skipped, and the suite says so and exits non-zero.
import { describeEnvironment, startContentionMonitor } from '../harness/environment.js';
import { isQuick, writeSuite, type Section } from '../harness/report.js';
import { budgetExceeded, runMatrix, type CellResult, type CellSpec, type RunPlan } from '../harness/runner.js';
import { heapwiseAvailable, log, medianWithRange, NOT_AVAILABLE } from '../harness/suite.js';
import { formatCount, formatFixed, formatMiB, formatPercent, markdownTable, ratioCell } from '../harness/table.js';
import { importByName } from '../harness/import-by-name.js';
import type { ServiceCellArgs } from '../service/child.js';
import type { LoggerCellArgs, Scenario } from './child.js';
import type { ImportCellArgs, ImportSubject } from './import-child.js';
import { BATCH_RECORDS, PINO_ES_FLUSH_BYTES, type SubjectName } from './subjects.js';
import { runSpoolBench } from './spool.js';

const quick = isQuick();
/** Sizes of each scenario: the goal's own figure where it names one (16k/s for 10 s, a 15 s outage at 2k/s). */
const SIZES = {
  throughputRecords: quick ? 10_000 : 20_000,
  /** Enough warm-up calls that a shipper's per-request path (about 1,000 records a request) is compiled too. */
  throughputWarmupRecords: quick ? 5_000 : 20_000,
  /** Twice the default byte cap or more (~420-byte records): every bounded buffer is full, an unbounded one grows. */
  memoryRecords: quick ? 40_000 : 60_000,
  shippingRecords: quick ? 10_000 : 20_000,
  shippingWarmupRecords: quick ? 5_000 : 10_000,
  offeredRatePerSec: 16_000,
  offeredDurationMs: quick ? 2_000 : 10_000,
  /** 2,000 records/s for the whole outage: what the shipper's default buffer is sized to hold. */
  recoveryRatePerSec: 2_000,
  outageMs: quick ? 5_000 : 15_000,
  recoveryDeadlineMs: quick ? 20_000 : 30_000,
  mixRecords: quick ? 2_000 : 5_000,
  mixRatePerSec: 2_000,
  partial429RatePerSec: 500,
  partial429DurationMs: quick ? 4_000 : 10_000,
  serviceIdleMs: 3_000,
};

/**
 * Processes per cell. Timed cells run one at a time after one discarded warm-up process; cells that
 * count documents or bytes run side by side (one per subject) without a warm-up.
 */
const RUNS = quick ? 2 : 3;
const timed: RunPlan = { runs: RUNS, warmups: quick ? 0 : 1, concurrency: 1 };
const counted: RunPlan = { runs: RUNS, warmups: 0, concurrency: 2 };
const sideBySide: RunPlan = { runs: RUNS, warmups: 0, concurrency: 3 };
/**
 * The log-call rate of one process varies by up to 2× from the next on a 2-vCPU machine (the
 * scheduler places the logger, its loopback server and their threads differently each time):
 * five interleaved rounds for the table that compares it.
 */
const timedRate: RunPlan = { ...timed, runs: quick ? 2 : 5 };

/**
 * The memory a full default buffer may use (byte cap plus per-record overhead; heap and Buffers):
 * the shipper's design budget.
 */
const BUFFER_BUDGET_BYTES = 16 * 1048576;
/** example-api's idle RSS goal, with logger and metrics loaded. */
const SERVICE_IDLE_RSS_GOAL_BYTES = 60 * 1048576;
const IMPORT_GOAL_BYTES = 3 * 1048576;
const SHIPPING_GOAL_DOCS_PER_SEC = 40_000;
const PARTIAL_429_GOAL = 0.95;

const ES_SUBJECTS: SubjectName[] = ['heapwise', 'pino-elasticsearch', 'winston-elasticsearch'];
const LABEL: Record<SubjectName, string> = {
  heapwise: '**heapwise** (pino + bounded shipper, defaults)',
  'heapwise-c1': '**heapwise**, defaults but `maxConcurrentRequests: 1`',
  'heapwise-c4': '**heapwise**, defaults but `maxConcurrentRequests: 4`',
  'heapwise-b100': '**heapwise**, defaults but `maxBatchSize: 100`',
  'heapwise-logger': '**heapwise** logger → no-op destination (redaction on, no shipper)',
  'heapwise-thread': '**heapwise** logger → its shipper in a pino transport thread (defaults)',
  'pino-shipper': 'plain pino → **heapwise** shipper (no redaction)',
  'pino-devnull': 'pino async → /dev/null',
  'pino-elasticsearch': 'pino + pino-elasticsearch (tuned)',
  'winston-elasticsearch': 'winston + winston-elasticsearch',
  floor: 'floor: `JSON.stringify` of the record',
};

function cell(
  subject: SubjectName,
  scenario: Scenario,
  args: Omit<LoggerCellArgs, 'subject' | 'scenario'>,
  timeoutMs: number,
): CellSpec {
  return {
    id: `${subject}/${scenario}`,
    script: 'logger/child.js',
    args: { subject, scenario, ...args },
    nodeFlags: ['--expose-gc'],
    timeoutMs,
  };
}

interface ScenarioTiming {
  name: string;
  tookMs: number;
  budgetMs: number;
  overBudget: boolean;
}

/** Runs one scenario's cells within its budget and logs how long it took. */
async function scenario(
  timings: ScenarioTiming[],
  name: string,
  cells: CellSpec[],
  plan: RunPlan,
  budgetMs: number,
): Promise<CellResult[]> {
  const processes = cells.length * (plan.runs + plan.warmups);
  log(`logger ${timings.length + 1}: ${name} (${processes} processes, budget ${Math.round(budgetMs / 1000)} s)`);
  const startedAt = Date.now();
  const results = await runMatrix(cells, { ...plan, budgetMs }, log);
  const tookMs = Date.now() - startedAt;
  const overBudget = budgetExceeded(results);
  if (overBudget) {
    log(`! logger: scenario "${name}" exceeded its budget of ${Math.round(budgetMs / 1000)} s: its unfinished cells `);
    log('  are marked failed in the tables and the JSON, and the suite exits with status 1');
  }
  timings.push({ name, tookMs, budgetMs, overBudget });
  return results;
}

const find = (results: CellResult[], id: string): CellResult | undefined => results.find((r) => r.spec.id === id);
const medianOf = (results: CellResult[], id: string, key: string): number | undefined => find(results, id)?.median[key];
const mib = (v: number): string => formatMiB(v);
const verdict = (met: boolean | undefined): string => (met === undefined ? 'n/a' : met ? '**met**' : '**missed**');

function drops(result: CellResult | undefined): string {
  if (result === undefined || result.samples.length === 0) return 'n/a';
  if (result.median.droppedByLibrary === undefined) return 'not reported';
  const detail = result.notes.detail ? ` (last run: ${result.notes.detail})` : '';
  return `${formatCount(result.median.droppedByLibrary)}${detail}`;
}

async function main(): Promise<void> {
  const environment = describeEnvironment();
  const contention = startContentionMonitor();
  const heapwise = await heapwiseAvailable('@heapwise/logger', 'createElasticsearchShipper');
  const defaults = heapwise
    ? ((await importByName('@heapwise/logger')) as { SHIPPER_DEFAULTS?: Record<string, number> }).SHIPPER_DEFAULTS
    : undefined;
  const byteCap = defaults?.maxBufferedBytes;
  const itemCap = defaults?.maxBufferedItems;
  const keep = (subjects: SubjectName[]): SubjectName[] =>
    subjects.filter((s) => heapwise || !(s.startsWith('heapwise') || s === 'pino-shipper'));
  const timings: ScenarioTiming[] = [];
  const esSubjects = keep(ES_SUBJECTS);

  const throughputSubjects = keep([
    'heapwise',
    'heapwise-logger',
    'pino-shipper',
    'heapwise-thread',
    'pino-devnull',
    'pino-elasticsearch',
    'winston-elasticsearch',
    'floor',
  ]);
  const throughputArgs = { records: SIZES.throughputRecords, warmupRecords: SIZES.throughputWarmupRecords };
  const throughput = await scenario(
    timings,
    'log-call throughput',
    throughputSubjects.map((s) => cell(s, 'throughput', throughputArgs, 60_000)),
    timedRate,
    quick ? 120_000 : 300_000,
  );

  const memory = await scenario(
    timings,
    'memory with Elasticsearch down',
    esSubjects.flatMap((s) => [
      cell(s, 'memory-refused', { records: SIZES.memoryRecords }, 60_000),
      cell(s, 'memory-hung', { records: SIZES.memoryRecords }, 60_000),
    ]),
    counted,
    quick ? 90_000 : 180_000,
  );

  const shippingSubjects = keep(['heapwise', 'heapwise-c1', 'heapwise-c4', 'heapwise-b100', 'pino-elasticsearch']);
  const shippingArgs = { records: SIZES.shippingRecords, warmupRecords: SIZES.shippingWarmupRecords };
  const shipping = await scenario(
    timings,
    'shipping throughput',
    shippingSubjects.map((s) => cell(s, 'shipping', shippingArgs, 60_000)),
    timed,
    quick ? 90_000 : 120_000,
  );

  const offeredSubjects = keep(['heapwise', 'pino-elasticsearch']);
  const offeredArgs = { records: 0, ratePerSec: SIZES.offeredRatePerSec, durationMs: SIZES.offeredDurationMs };
  const offered = await scenario(
    timings,
    `${formatCount(SIZES.offeredRatePerSec)} records/s offered`,
    offeredSubjects.map((s) => cell(s, 'offered-rate', offeredArgs, SIZES.offeredDurationMs + 40_000)),
    { ...timed, warmups: 0 },
    quick ? 60_000 : 120_000,
  );

  const recoveryArgs = {
    records: (SIZES.recoveryRatePerSec * SIZES.outageMs) / 1000,
    outageMs: SIZES.outageMs,
    recoveryDeadlineMs: SIZES.recoveryDeadlineMs,
    recordKind: 'small' as const,
  };
  const recoveryCellMs = SIZES.outageMs + SIZES.recoveryDeadlineMs + 20_000;
  const recovery = await scenario(
    timings,
    'recovery after an outage',
    esSubjects.map((s) => cell(s, 'recovery', recoveryArgs, recoveryCellMs)),
    sideBySide,
    quick ? 110_000 : 150_000,
  );

  const mixArgs = { records: SIZES.mixRecords, ratePerSec: SIZES.mixRatePerSec };
  const mix = await scenario(
    timings,
    '429 + permanent-400 mix',
    esSubjects.map((s) => cell(s, 'mix', mixArgs, 60_000)),
    sideBySide,
    quick ? 60_000 : 90_000,
  );

  const partialArgs = { records: 0, ratePerSec: SIZES.partial429RatePerSec, durationMs: SIZES.partial429DurationMs };
  const partial = await scenario(
    timings,
    'partial 429s (a busy cluster)',
    esSubjects.map((s) => cell(s, 'partial-429', partialArgs, SIZES.partial429DurationMs + 50_000)),
    sideBySide,
    quick ? 80_000 : 120_000,
  );

  const importSubjects: ImportSubject[] = [
    'node',
    'pino',
    ...(heapwise ? (['heapwise', 'heapwise-shipper'] as const) : []),
    'pino-elasticsearch',
    'winston-elasticsearch',
  ];
  const imports = await scenario(
    timings,
    'import cost',
    importSubjects.map((subject) => ({
      id: `import/${subject}`,
      script: 'logger/import-child.js',
      args: { subject } satisfies ImportCellArgs,
      nodeFlags: ['--expose-gc'],
      timeoutMs: 30_000,
    })),
    counted,
    60_000,
  );

  const serviceArgs: ServiceCellArgs = { target: 'example-api', scenario: 'idle-rss', idleMs: SIZES.serviceIdleMs };
  const service = await scenario(
    timings,
    'example-api idle RSS',
    [{ id: 'example-api/idle-rss', script: 'service/child.js', args: { ...serviceArgs }, timeoutMs: 45_000 }],
    { runs: RUNS, warmups: 0, concurrency: 1 },
    60_000,
  );

  const ratio = (
    results: CellResult[],
    scenarioName: Scenario,
    subject: SubjectName,
    key: string,
    higherIsBetter: boolean,
  ): string => {
    if (!heapwise) return NOT_AVAILABLE;
    if (subject.startsWith('heapwise')) return '—';
    return ratioCell(
      medianOf(results, `heapwise/${scenarioName}`, key),
      medianOf(results, `${subject}/${scenarioName}`, key),
      higherIsBetter,
    );
  };
  const bufferText = `${itemCap === undefined ? '?' : formatCount(itemCap)} items / ${formatMiB(byteCap, 0)}`;

  const sections: Section[] = [];
  const goals: string[][] = [];
  const goal = (name: string, measured: string, target: string, met: boolean | undefined, peer: string): number =>
    goals.push([name, measured, target, verdict(heapwise ? met : undefined), peer]);

  // 1. log-call throughput
  {
    const rows = throughputSubjects.map((s) => {
      const r = find(throughput, `${s}/throughput`);
      return [
        LABEL[s],
        medianWithRange(r, 'callsPerSec'),
        medianWithRange(r, 'cpuMicrosPerRecord', (v) => formatFixed(v, 1)),
        r?.median.deliveredFraction === undefined ? '— (no server)' : formatPercent(r.median.deliveredFraction),
        drops(r),
        ratio(throughput, 'throughput', s, 'callsPerSec', true),
      ];
    });
    const hwRate = medianOf(throughput, 'heapwise/throughput', 'callsPerSec');
    const pinoRate = medianOf(throughput, 'pino-devnull/throughput', 'callsPerSec');
    const hwCpu = medianOf(throughput, 'heapwise/throughput', 'cpuMicrosPerRecord');
    const pinoCpu = medianOf(throughput, 'pino-devnull/throughput', 'cpuMicrosPerRecord');
    goal(
      'log-call rate with the shipper attached',
      `${formatCount(hwRate)} calls/s`,
      '≥ 1.0× pino async → /dev/null',
      hwRate === undefined || pinoRate === undefined ? undefined : hwRate >= pinoRate,
      `${ratioCell(hwRate, pinoRate, true)} pino async → /dev/null (${formatCount(pinoRate)})`,
    );
    goal(
      'CPU per record in the logging process, shipping included',
      `${formatFixed(hwCpu, 1)} µs`,
      '≤ pino async → /dev/null (same goal, in CPU time)',
      hwCpu === undefined || pinoCpu === undefined ? undefined : hwCpu <= pinoCpu,
      `${ratioCell(hwCpu, pinoCpu, false)} pino async → /dev/null (${formatFixed(pinoCpu, 1)} µs)`,
    );
    sections.push({
      title: 'Logger 1: log-call throughput',
      method:
        `${formatCount(SIZES.throughputRecords)} \`logger.info(record, msg)\` calls after ` +
        `${formatCount(SIZES.throughputWarmupRecords)} in-process warm-up calls, yielding to the event loop ` +
        'every 1000 calls so that shipping runs as it would in a service; calls/s = calls / time to make them ' +
        '(shipping done on the same thread meanwhile counts against the caller). ' +
        `Median of ${timedRate.runs} processes per row, in interleaved rounds. Elasticsearch shippers write to ` +
        'the loopback `_bulk` server (@heapwise/testkit, separate process); "delivered" is what the server ' +
        'accepted within 10 s after the last call. Record: an HTTP access-log object (~420 bytes as JSON). ' +
        `heapwise uses its defaults (redaction on, ${bufferText} buffer). The two rows that split heapwise ` +
        'show where its caller time goes: its logger alone (pino + redaction), and its shipper under plain pino. ' +
        'The transport-thread row runs the same shipper where pino puts a slow destination, in a worker thread ' +
        'fed by `pino.transport()` (thread-stream), under the same logger: the caller only hands each line over. ' +
        '"CPU µs per record" is the process CPU time from the first timed call until the records were delivered ' +
        '(or flushed), per record, all threads: the whole cost of a record in the logging process, shipping ' +
        'included, which ' +
        'other processes on a shared machine do not inflate as they do calls/s.',
      table: markdownTable(
        [
          'logger',
          'calls/s median (min–max)',
          'CPU µs per record',
          'delivered',
          'dropped (library says)',
          'heapwise (defaults) / this (calls/s)',
        ],
        rows,
      ),
    });
  }
  // 2. memory with ES down
  {
    const rows = esSubjects.flatMap((s) =>
      (['memory-refused', 'memory-hung'] as const).map((scenarioName) => {
        const r = find(memory, `${s}/${scenarioName}`);
        return [
          LABEL[s],
          scenarioName === 'memory-refused' ? 'closed port' : 'hung server',
          medianWithRange(r, 'heapGrowthBytes', mib),
          medianWithRange(r, 'rssGrowthBytes', mib),
          medianWithRange(r, 'externalGrowthBytes', mib),
          drops(r),
          ratio(memory, scenarioName, s, 'heapGrowthBytes', false),
        ];
      }),
    );
    for (const scenarioName of ['memory-refused', 'memory-hung'] as const) {
      // heapwise holds its lines in Buffers outside the heap (its records on it): the budget is for both.
      const heapGrowth = medianOf(memory, `heapwise/${scenarioName}`, 'heapGrowthBytes');
      const externalGrowth = medianOf(memory, `heapwise/${scenarioName}`, 'externalGrowthBytes');
      const growth = heapGrowth === undefined || externalGrowth === undefined ? undefined : heapGrowth + externalGrowth;
      const peerHeap = medianOf(memory, `pino-elasticsearch/${scenarioName}`, 'heapGrowthBytes');
      // pino-elasticsearch holds its backlog in Buffers, outside the heap: show both.
      const peerExternal = medianOf(memory, `pino-elasticsearch/${scenarioName}`, 'externalGrowthBytes');
      goal(
        `heap + external with Elasticsearch ${scenarioName === 'memory-refused' ? 'refusing' : 'hung'}`,
        formatMiB(growth),
        `≤ ${formatMiB(BUFFER_BUDGET_BYTES, 0)} (the default buffer's memory budget)`,
        growth === undefined ? undefined : growth <= BUFFER_BUDGET_BYTES,
        `pino-elasticsearch: heap ${formatMiB(peerHeap)} + external ${formatMiB(peerExternal)}`,
      );
    }
    sections.push({
      title: 'Logger 2: memory with Elasticsearch down',
      method:
        `${formatCount(SIZES.memoryRecords)} records logged while the server refuses connections (closed port) ` +
        'or accepts and never answers (hung). Growth = after − before, each measured after two forced GCs ' +
        '(`--expose-gc`), 1 s after the last call. "external" is `external + arrayBuffers` (Buffers held by ' +
        `sockets and batches). heapwise's default buffer is ${bufferText}, sized for a memory budget of ` +
        `${formatMiB(BUFFER_BUDGET_BYTES, 0)}. RSS growth is larger than heap growth for every library: V8 keeps ` +
        'the pages of its young generation once a burst has used them. Memory does not depend on CPU speed, so ' +
        'these cells run two at a time and without warm-up.',
      table: markdownTable(
        [
          'logger',
          'Elasticsearch',
          'heapUsed growth',
          'RSS growth',
          'external growth',
          'dropped (library says)',
          'heapwise / this (heap)',
        ],
        rows,
      ),
    });
  }
  // 3. shipping
  {
    const rows = shippingSubjects.map((s) => {
      const ship = find(shipping, `${s}/shipping`);
      const rate = find(offered, `${s}/offered-rate`);
      return [
        LABEL[s],
        medianWithRange(ship, 'docsPerSec'),
        ship?.median.deliveredFraction === undefined ? 'n/a' : formatPercent(ship.median.deliveredFraction),
        ratio(shipping, 'shipping', s, 'docsPerSec', true),
        rate ? medianWithRange(rate, 'offeredPerSec') : '—',
        rate ? medianWithRange(rate, 'lost') : '—',
        rate ? drops(rate) : '—',
      ];
    });
    const ship = medianOf(shipping, 'heapwise/shipping', 'docsPerSec');
    const peer = medianOf(shipping, 'pino-elasticsearch/shipping', 'docsPerSec');
    const lost = medianOf(offered, 'heapwise/offered-rate', 'lost');
    const peerLost = medianOf(offered, 'pino-elasticsearch/offered-rate', 'lost');
    const peerText = `${ratioCell(ship, peer, true)} pino-elasticsearch (${formatCount(peer)})`;
    goal(
      'docs/s shipped to the loopback `_bulk` server',
      `${formatCount(ship)} docs/s`,
      `≥ ${formatCount(SHIPPING_GOAL_DOCS_PER_SEC)}`,
      ship === undefined ? undefined : ship >= SHIPPING_GOAL_DOCS_PER_SEC,
      peerText,
    );
    goal(
      'docs/s against tuned pino-elasticsearch',
      `${formatCount(ship)} docs/s`,
      '≥ 1.0× pino-elasticsearch',
      ship === undefined || peer === undefined ? undefined : ship >= peer,
      peerText,
    );
    goal(
      `records lost at ${formatCount(SIZES.offeredRatePerSec)}/s for ${SIZES.offeredDurationMs / 1000} s`,
      formatCount(lost),
      '0',
      lost === undefined ? undefined : lost === 0,
      `pino-elasticsearch lost ${formatCount(peerLost)}`,
    );
    const concurrency = (['heapwise-c1', 'heapwise', 'heapwise-c4'] as const)
      .map((s) => {
        const label = s === 'heapwise' ? 'default' : LABEL[s].replace(/.*`(.*)`/, '$1');
        return `${label}: ${formatCount(medianOf(shipping, `${s}/shipping`, 'docsPerSec'))}`;
      })
      .join(', ');
    sections.push({
      title: `Logger 3: shipping throughput and drops at ${formatCount(SIZES.offeredRatePerSec)} logs/s`,
      method:
        `Shipping: ${formatCount(SIZES.shippingRecords)} records logged as fast as possible (after ` +
        `${formatCount(SIZES.shippingWarmupRecords)} warm-up records were delivered); docs/s = documents the ` +
        'server accepted / time from the first call to the last accepted document. heapwise uses its defaults; ' +
        `pino-elasticsearch is tuned: \`flushBytes: ${PINO_ES_FLUSH_BYTES}\` (≈ ${BATCH_RECORDS} records; its ` +
        'default of 5 MB would hold records for its 30 s flush interval). winston-elasticsearch has no batch ' +
        `option and is left out of the timed rows. Offered rate: ${formatCount(SIZES.offeredRatePerSec)} ` +
        `records/s paced in 10 ms ticks for ${SIZES.offeredDurationMs / 1000} s; lost = logged − accepted ` +
        'after a flush and 5 s without progress. The `maxConcurrentRequests` and `maxBatchSize` rows are how ' +
        'those defaults were chosen.',
      table: markdownTable(
        [
          'logger',
          'docs/s median (min–max)',
          'delivered',
          'heapwise (defaults) / this',
          'offered records/s',
          `lost at ${formatCount(SIZES.offeredRatePerSec)}/s`,
          'dropped (library says)',
        ],
        rows,
      ),
      notes: heapwise
        ? [
            `docs/s by requests in flight: ${concurrency}.`,
            `docs/s by records per request: \`maxBatchSize: 100\`: ` +
              `${formatCount(medianOf(shipping, 'heapwise-b100/shipping', 'docsPerSec'))}, ` +
              `default: ${formatCount(ship)}.`,
          ]
        : [`${NOT_AVAILABLE}.`],
    });
  }
  // 4. recovery and mix
  {
    const rows = esSubjects.map((s) => {
      const rec = find(recovery, `${s}/recovery`);
      const m = find(mix, `${s}/mix`);
      const incomplete = rec?.samples.filter((x) => (x.timeToAllMs ?? -1) < 0).length ?? 0;
      return [
        LABEL[s],
        medianWithRange(rec, 'deliveredFraction', (v) => formatPercent(v)),
        rec === undefined || rec.samples.length === 0
          ? 'n/a'
          : incomplete === 0
            ? medianWithRange(rec, 'timeToAllMs', (v) => formatFixed(v / 1000, 1, ' s'))
            : `not all delivered in ${incomplete}/${rec.samples.length} runs`,
        medianWithRange(rec, 'duplicates'),
        medianWithRange(m, 'duplicates'),
        medianWithRange(m, 'lostRetryable'),
        medianWithRange(m, 'acceptedPermanent400'),
        ratio(recovery, 'recovery', s, 'deliveredFraction', true),
      ];
    });
    const rec = medianOf(recovery, 'heapwise/recovery', 'deliveredFraction');
    const peerRec = medianOf(recovery, 'pino-elasticsearch/recovery', 'deliveredFraction');
    goal(
      `delivered after a ${SIZES.outageMs / 1000} s outage at ${formatCount(SIZES.recoveryRatePerSec)}/s`,
      formatPercent(rec),
      '100 %',
      rec === undefined ? undefined : rec >= 1,
      `pino-elasticsearch ${formatPercent(peerRec)}`,
    );
    sections.push({
      title: 'Logger 4: recovery after an outage, and duplicates under 429 + 400',
      method:
        `Recovery: the server refuses connections while ${formatCount(SIZES.recoveryRatePerSec)} records/s are ` +
        `logged for ${SIZES.outageMs / 1000} s, then comes back on the same port; delivered = distinct records ` +
        `(by their \`seq\`) the server holds ${SIZES.recoveryDeadlineMs / 1000} s later at most (a library that ` +
        'reports an empty buffer, or delivers nothing new for 10 s, is done earlier). The records are ~300 bytes ' +
        `as pino lines, the size heapwise's default buffer (${bufferText}) is sized for; the access-log record ` +
        `of the other tables is ~420. Mix: ${formatCount(SIZES.mixRecords)} records at ` +
        `${formatCount(SIZES.mixRatePerSec)}/s; requests alternate between two answers: 429 for records with ` +
        'seq%10 ∈ {1,2} (once each) and seq%10 = 0, and 400 for seq%10 = 0. So 10 % can never be accepted and ' +
        '20 % need one retry. Duplicates = accepted deliveries of a record beyond its first; lost retryable = ' +
        `records with seq%10 ≠ 0 never accepted. Counting cells: ${sideBySide.runs} runs each, side by side.`,
      table: markdownTable(
        [
          'logger',
          'delivered within deadline',
          'time to all after return',
          'duplicates (recovery)',
          'duplicates (mix)',
          'lost retryable (mix)',
          '400s accepted (mix, must be 0)',
          'heapwise (defaults) / this (delivered)',
        ],
        rows,
      ),
    });
  }
  // 5. partial 429s
  {
    const rows = esSubjects.map((s) => {
      const r = find(partial, `${s}/partial-429`);
      return [
        LABEL[s],
        medianWithRange(r, 'produced'),
        medianWithRange(r, 'deliveredFraction', (v) => formatPercent(v)),
        medianWithRange(r, 'duplicates'),
        drops(r),
        ratio(partial, 'partial-429', s, 'deliveredFraction', true),
      ];
    });
    const delivered = medianOf(partial, 'heapwise/partial-429', 'deliveredFraction');
    const duplicates = medianOf(partial, 'heapwise/partial-429', 'duplicates');
    const peerDelivered = medianOf(partial, 'pino-elasticsearch/partial-429', 'deliveredFraction');
    const winstonDuplicates = medianOf(partial, 'winston-elasticsearch/partial-429', 'duplicates');
    goal(
      'delivered under partial 429s',
      formatPercent(delivered),
      `≥ ${formatPercent(PARTIAL_429_GOAL, 0)}`,
      delivered === undefined ? undefined : delivered >= PARTIAL_429_GOAL,
      `pino-elasticsearch ${formatPercent(peerDelivered)}`,
    );
    goal(
      'duplicates under partial 429s',
      formatCount(duplicates),
      '0',
      duplicates === undefined ? undefined : duplicates === 0,
      `winston-elasticsearch ${formatCount(winstonDuplicates)}`,
    );
    sections.push({
      title: 'Logger 5: partial 429s (a busy cluster)',
      method:
        'The server answers 429 to the first attempt of every 10th record (seq%10 = 0), as Elasticsearch does ' +
        'when a write queue is briefly full; every retry succeeds. ' +
        `${formatCount(SIZES.partial429RatePerSec)} records/s for ${SIZES.partial429DurationMs / 1000} s, then a ` +
        'flush and up to 30 s for delivery to stop; delivered = distinct records the server holds. ' +
        `Counting cells: ${sideBySide.runs} runs each, side by side, no warm-up.`,
      table: markdownTable(
        ['logger', 'logged', 'delivered', 'duplicates', 'dropped (library says)', 'heapwise (defaults) / this'],
        rows,
      ),
    });
  }
  // 6. import cost and the service's idle RSS
  {
    const IMPORT_LABEL: Record<ImportSubject, string> = {
      node: 'node, nothing imported',
      pino: '`pino` + a logger',
      heapwise: '**`@heapwise/logger`** + a logger (no shipper)',
      'heapwise-shipper': '**`@heapwise/logger`** + a logger + an Elasticsearch shipper (client loaded)',
      'pino-elasticsearch': '`pino` + `pino-elasticsearch` stream',
      'winston-elasticsearch': '`winston` + `winston-elasticsearch` transport',
    };
    const rssOf = (subject: ImportSubject): number | undefined => medianOf(imports, `import/${subject}`, 'rssBytes');
    const base = rssOf('node');
    const rows = importSubjects.map((subject) => {
      const r = find(imports, `import/${subject}`);
      const rss = rssOf(subject);
      return [
        IMPORT_LABEL[subject],
        medianWithRange(r, 'rssBytes', mib),
        medianWithRange(r, 'heapUsedBytes', mib),
        rss === undefined || base === undefined || subject === 'node' ? '—' : `+${formatMiB(rss - base)}`,
      ];
    });
    const hwRss = rssOf('heapwise');
    const pinoRss = rssOf('pino');
    const overPino = hwRss === undefined || pinoRss === undefined ? undefined : hwRss - pinoRss;
    const shipperRss = rssOf('heapwise-shipper');
    goal(
      'RSS after importing the logger',
      formatMiB(hwRss),
      '≤ pino + 3 MiB',
      hwRss === undefined || pinoRss === undefined ? undefined : hwRss <= pinoRss + IMPORT_GOAL_BYTES,
      `pino ${formatMiB(pinoRss)} (heapwise +${formatMiB(overPino)})`,
    );
    const serviceCell = find(service, 'example-api/idle-rss');
    const idleRss = serviceCell?.median.idleRssBytes;
    goal(
      'services/example-api idle RSS (logger and metrics loaded)',
      formatMiB(idleRss),
      `≤ ${formatMiB(SERVICE_IDLE_RSS_GOAL_BYTES, 0)}`,
      idleRss === undefined ? undefined : idleRss <= SERVICE_IDLE_RSS_GOAL_BYTES,
      'bare `node:http`: see `npm run bench:service`',
    );
    const clientCost = shipperRss === undefined || hwRss === undefined ? 'n/a' : `+${formatMiB(shipperRss - hwRss)}`;
    sections.push({
      title: 'Logger 6: import cost, and example-api at idle',
      method:
        'RSS and heapUsed after two forced GCs, 500 ms after loading the library and creating a logger (and, ' +
        'for the shipper rows, its Elasticsearch destination pointed at a closed port: heapwise loads its client ' +
        'for the first request, which is refused). Each row a fresh process that imports nothing else; ' +
        `${counted.concurrency} at a time, no warm-up. example-api: started with plain \`node\`, logging to ` +
        `stdout, RSS read from /proc ${SIZES.serviceIdleMs / 1000} s after it listens (the cell of ` +
        `\`npm run bench:service\`): ${medianWithRange(serviceCell, 'idleRssBytes', mib)}.`,
      table: markdownTable(['process', 'RSS', 'heapUsed', 'RSS over bare node'], rows),
      notes: heapwise
        ? [`The Elasticsearch client costs ${clientCost} RSS once a shipper exists (loaded then, not at import).`]
        : [`${NOT_AVAILABLE}.`],
    });
  }
  // The disk spool's rows: their own cells, file and goals (also runnable alone: npm run bench:logger:spool).
  sections.push(...(await runSpoolBench()).sections);
  sections.unshift({
    title: 'Logger goals (heapwise with default options)',
    method:
      'Each goal, the value this run measured and the peer measured in the same run; the tables below say how. ' +
      (heapwise ? '' : `${NOT_AVAILABLE}: @heapwise/logger did not load; peers only.`),
    table: markdownTable(['goal', 'measured', 'target', 'verdict', 'peer, same run'], goals),
  });
  const over = timings.filter((t) => t.overBudget);
  sections.push({
    title: 'Logger: notes',
    method: [
      'winston-elasticsearch needs two adaptations to talk to the loopback server, both in ' +
        '`bench/src/logger/subjects.ts`: its `GET /_cluster/health` check is sent as `GET /` (the server ' +
        'serves `/` and `_bulk` only; both fail the same way when the server is down), and the `attempts` key it ' +
        'writes beside each bulk action is stripped (the server rejects an action line with a second key, as ' +
        "Elasticsearch's strict parser does).",
      'Time per scenario (budget): ' +
        timings
          .map((t) => `${t.name} ${Math.round(t.tookMs / 1000)} s (${Math.round(t.budgetMs / 1000)} s)`)
          .join(', ') +
        '.',
      ...(over.length > 0 ? [`**Over budget** (cells killed or skipped): ${over.map((t) => t.name).join(', ')}.`] : []),
    ]
      .map((n) => `- ${n}`)
      .join('\n'),
    table: '',
  });

  writeSuite({
    suite: 'logger',
    command: 'npm run bench:logger',
    environment,
    packages: [
      '@heapwise/logger',
      '@heapwise/testkit',
      'pino',
      'pino-elasticsearch',
      'winston',
      'winston-elasticsearch',
      '@elastic/elasticsearch',
      'pino-elasticsearch/node_modules/@elastic/elasticsearch',
      'winston-elasticsearch/node_modules/@elastic/elasticsearch',
    ],
    plan: timed,
    contention: contention.stop(),
    sections,
    raw: { throughput, memory, shipping, offered, recovery, mix, partial, imports, service, sizes: SIZES, timings },
  });
  if (over.length > 0) {
    log(`bench:logger: over budget: ${over.map((t) => t.name).join(', ')} (see the notes section)`);
    process.exitCode = 1;
  }
}

await main();
