// `npm run bench:logger`: the logger tables. Every cell is one library × one scenario, run in fresh
// processes (see harness/runner.ts); the loopback Elasticsearch is @heapwise/testkit's server in a
// separate process per cell.
import { describeEnvironment, startContentionMonitor } from '../harness/environment.js';
import { defaultPlan, isQuick, writeSuite, type Section } from '../harness/report.js';
import { runMatrix, type CellResult, type CellSpec, type RunPlan } from '../harness/runner.js';
import { heapwiseAvailable, log, medianWithRange, NOT_AVAILABLE } from '../harness/suite.js';
import { formatCount, formatFixed, formatMiB, formatPercent, markdownTable, ratioCell } from '../harness/table.js';
import type { LoggerCellArgs, Scenario } from './child.js';
import type { ImportCellArgs, ImportSubject } from './import-child.js';
import { BATCH_RECORDS, PINO_ES_FLUSH_BYTES, type SubjectName } from './subjects.js';
import { importByName } from '../harness/import-by-name.js';
import { spoolSections } from './spool.js';

const quick = isQuick();
/** Sizes of each scenario: a goal's own figure where it names one (16k/s offered), else enough for a stable median. */
const SIZES = {
  throughputRecords: quick ? 10_000 : 20_000,
  throughputWarmupRecords: quick ? 1_000 : 3_000,
  memoryRecords: quick ? 50_000 : 200_000,
  shippingRecords: quick ? 10_000 : 20_000,
  shippingWarmupRecords: quick ? 1_000 : 2_000,
  offeredRatePerSec: 16_000,
  offeredDurationMs: quick ? 2_000 : 10_000,
  /** 2,000 records/s for the whole outage: what the shipper's default buffer is sized to hold. */
  recoveryRecords: quick ? 10_000 : 30_000,
  outageMs: quick ? 5_000 : 15_000,
  recoveryDeadlineMs: quick ? 15_000 : 45_000,
  mixRecords: quick ? 2_000 : 5_000,
  mixRatePerSec: 2_000,
  partial429RatePerSec: 500,
  partial429DurationMs: quick ? 4_000 : 10_000,
};

/** The heap a full default buffer may use (byte cap plus per-record overhead): the shipper's design budget. */
const HEAP_BUDGET_BYTES = 16 * 1048576;
const ES_SUBJECTS: SubjectName[] = ['heapwise', 'pino-elasticsearch', 'winston-elasticsearch'];
const LABEL: Record<SubjectName, string> = {
  heapwise: '**heapwise** (pino + bounded shipper, defaults)',
  'heapwise-c1': '**heapwise**, defaults but `maxConcurrentRequests: 1`',
  'heapwise-c4': '**heapwise**, defaults but `maxConcurrentRequests: 4`',
  'pino-devnull': 'pino async → /dev/null',
  'pino-elasticsearch': 'pino + pino-elasticsearch',
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
    subjects.filter((s) => heapwise || !s.startsWith('heapwise'));
  const timed = defaultPlan(1);
  // Memory and delivery counts do not depend on CPU speed: those cells may share the two cores.
  const counted: RunPlan = { ...defaultPlan(2), warmups: 0 };
  const idle: RunPlan = { ...defaultPlan(quick ? 8 : 20), warmups: 0 };

  log('logger 1/7: log-call throughput');
  const throughputSubjects = keep(['heapwise', 'pino-devnull', 'pino-elasticsearch', 'winston-elasticsearch', 'floor']);
  const throughput = await runMatrix(
    throughputSubjects.map((s) =>
      cell(
        s,
        'throughput',
        { records: SIZES.throughputRecords, warmupRecords: SIZES.throughputWarmupRecords },
        120_000,
      ),
    ),
    timed,
    log,
  );
  log('logger 2/7: memory with Elasticsearch down');
  const memorySubjects = keep(ES_SUBJECTS);
  const capSubjects = memorySubjects;
  const shippingSubjects = keep([
    'heapwise',
    'heapwise-c1',
    'heapwise-c4',
    'pino-elasticsearch',
    'winston-elasticsearch',
  ]);
  const memory = await runMatrix(
    capSubjects.flatMap((s) => [
      cell(s, 'memory-refused', { records: SIZES.memoryRecords }, 240_000),
      cell(s, 'memory-hung', { records: SIZES.memoryRecords }, 240_000),
    ]),
    counted,
    log,
  );
  log('logger 3/7: shipping throughput and 16k/s offered');
  const shipping = await runMatrix(
    [
      ...shippingSubjects.map((s) =>
        cell(s, 'shipping', { records: SIZES.shippingRecords, warmupRecords: SIZES.shippingWarmupRecords }, 180_000),
      ),
      ...memorySubjects.map((s) =>
        cell(
          s,
          'offered-rate',
          { records: 0, ratePerSec: SIZES.offeredRatePerSec, durationMs: SIZES.offeredDurationMs },
          120_000,
        ),
      ),
    ],
    timed,
    log,
  );
  log('logger 4/7: recovery after an outage (cells run side by side: they count documents, they do not time them)');
  const recovery = await runMatrix(
    memorySubjects.map((s) =>
      cell(
        s,
        'recovery',
        {
          records: SIZES.recoveryRecords,
          outageMs: SIZES.outageMs,
          recoveryDeadlineMs: SIZES.recoveryDeadlineMs,
          recordKind: 'small',
        },
        SIZES.outageMs + SIZES.recoveryDeadlineMs + 60_000,
      ),
    ),
    idle,
    log,
  );
  log('logger 5/7: 429 + permanent-400 mix');
  const mix = await runMatrix(
    memorySubjects.map((s) => cell(s, 'mix', { records: SIZES.mixRecords, ratePerSec: SIZES.mixRatePerSec }, 120_000)),
    idle,
    log,
  );
  log('logger 6/7: partial 429s (a busy cluster)');
  const partial = await runMatrix(
    memorySubjects.map((s) =>
      cell(
        s,
        'partial-429',
        { records: 0, ratePerSec: SIZES.partial429RatePerSec, durationMs: SIZES.partial429DurationMs },
        120_000,
      ),
    ),
    idle,
    log,
  );
  log('logger 7/7: import cost');
  const importSubjects: ImportSubject[] = [
    'node',
    'pino',
    ...(heapwise ? (['heapwise', 'heapwise-shipper'] as const) : []),
    'pino-elasticsearch',
    'winston-elasticsearch',
  ];
  const imports = await runMatrix(
    importSubjects.map((subject) => ({
      id: `import/${subject}`,
      script: 'logger/import-child.js',
      args: { subject } satisfies ImportCellArgs,
      nodeFlags: ['--expose-gc'],
      timeoutMs: 60_000,
    })),
    counted,
    log,
  );

  const find = (results: CellResult[], id: string): CellResult | undefined => results.find((r) => r.spec.id === id);
  const hw = (results: CellResult[], scenario: Scenario): CellResult | undefined =>
    find(results, `heapwise/${scenario}`);
  const ratio = (
    results: CellResult[],
    scenario: Scenario,
    subject: SubjectName,
    key: string,
    higherIsBetter: boolean,
    variant: SubjectName = 'heapwise',
  ): string => {
    if (!heapwise) return NOT_AVAILABLE;
    if (subject.startsWith('heapwise')) return '—';
    return ratioCell(
      find(results, `${variant}/${scenario}`)?.median[key],
      find(results, `${subject}/${scenario}`)?.median[key],
      higherIsBetter,
    );
  };
  const drops = (result: CellResult | undefined): string => {
    if (result === undefined || result.samples.length === 0) return 'n/a';
    return result.median.droppedByLibrary === undefined
      ? 'not reported'
      : `${formatCount(result.median.droppedByLibrary)}${result.notes.detail ? ` (last run: ${result.notes.detail})` : ''}`;
  };
  const mib = (v: number): string => formatMiB(v);

  const sections: Section[] = [];
  // 1. log-call throughput
  {
    const rows = throughputSubjects.map((s) => {
      const r = find(throughput, `${s}/throughput`);
      return [
        LABEL[s],
        medianWithRange(r, 'callsPerSec'),
        r?.median.deliveredFraction === undefined ? '— (no server)' : formatPercent(r.median.deliveredFraction),
        drops(r),
        ratio(throughput, 'throughput', s, 'callsPerSec', true),
      ];
    });
    const hwRate = hw(throughput, 'throughput')?.median.callsPerSec;
    const pinoRate = find(throughput, 'pino-devnull/throughput')?.median.callsPerSec;
    const goal =
      !heapwise || hwRate === undefined || pinoRate === undefined
        ? `Goal (≥ pino async's rate): ${NOT_AVAILABLE}.`
        : `Goal (heapwise ≥ pino async's rate in the same run): ${hwRate >= pinoRate ? '**met**' : '**not met**'} (${formatCount(hwRate)} vs ${formatCount(pinoRate)} calls/s).`;
    sections.push({
      title: 'Logger 1: log-call throughput',
      method:
        `${formatCount(SIZES.throughputRecords)} \`logger.info(record, msg)\` calls after ${formatCount(SIZES.throughputWarmupRecords)} in-process warm-up calls, ` +
        `yielding to the event loop every 1000 calls so that shipping runs as it would in a service; calls/s = calls / time to make them. ` +
        `Elasticsearch shippers write to the loopback \`_bulk\` server (@heapwise/testkit, separate process); "delivered" is what the server accepted within 20 s after the last call. ` +
        `Record: an HTTP access-log object (~420 bytes as JSON). heapwise uses its defaults (redaction on, ${itemCap === undefined ? '?' : formatCount(itemCap)} items / ${byteCap ? formatMiB(byteCap, 0) : '?'} buffer); a call that overflows the buffer drops the oldest records, which the "dropped" column shows.`,
      table: markdownTable(
        ['logger', 'calls/s median (min–max)', 'delivered', 'dropped (library says)', 'heapwise (defaults) / this'],
        rows,
      ),
      notes: [goal],
    });
  }
  // 2. memory with ES down
  {
    const rows = capSubjects.flatMap((s) =>
      (['memory-refused', 'memory-hung'] as const).map((scenario) => {
        const r = find(memory, `${s}/${scenario}`);
        return [
          LABEL[s],
          scenario === 'memory-refused' ? 'closed port' : 'hung server',
          medianWithRange(r, 'heapGrowthBytes', mib),
          medianWithRange(r, 'rssGrowthBytes', mib),
          medianWithRange(r, 'externalGrowthBytes', mib),
          drops(r),
          ratio(memory, scenario, s, 'heapGrowthBytes', false),
        ];
      }),
    );
    const notes: string[] = [];
    if (heapwise && byteCap !== undefined) {
      for (const scenario of ['memory-refused', 'memory-hung'] as const) {
        const growth = hw(memory, scenario)?.median.heapGrowthBytes;
        // The buffer's heap budget: the defaults are chosen so that a full buffer stays within it.
        const limit = HEAP_BUDGET_BYTES;
        notes.push(
          `Goal (${scenario === 'memory-refused' ? 'closed port' : 'hung server'}: heapwise heapUsed growth ≤ ${formatMiB(limit, 0)}, the heap budget its default buffer of ${formatMiB(byteCap, 0)} and ${formatCount(itemCap)} records is sized for): ` +
            (growth !== undefined && Number.isFinite(growth)
              ? `${growth <= limit ? '**met**' : '**not met**'} (${formatMiB(growth)})`
              : 'n/a'),
        );
      }
      notes.push(
        'RSS growth is larger than heap growth for every library: V8 keeps the pages of its young generation (up to 48 MiB on 64-bit Node 20) once a burst has used them, so RSS measures the burst as much as what is held.',
      );
    } else notes.push(`Goal: ${NOT_AVAILABLE}.`);
    sections.push({
      title: 'Logger 2: memory with Elasticsearch down',
      method:
        `${formatCount(SIZES.memoryRecords)} records logged while the server refuses connections (closed port) or accepts and never answers (hung). ` +
        `Growth = after − before, each measured after two forced GCs (\`--expose-gc\`), 1 s after the last call. "external" is \`external + arrayBuffers\` (Buffers held by sockets and batches). ` +
        `Memory does not depend on CPU speed, so these cells run two at a time and without warm-up.`,
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
      notes,
    });
  }
  // 3. shipping
  {
    const rows = shippingSubjects.map((s) => {
      const ship = find(shipping, `${s}/shipping`);
      const offered = find(shipping, `${s}/offered-rate`);
      return [
        LABEL[s],
        medianWithRange(ship, 'docsPerSec'),
        ship?.median.deliveredFraction === undefined ? 'n/a' : formatPercent(ship.median.deliveredFraction),
        ratio(shipping, 'shipping', s, 'docsPerSec', true),
        offered ? medianWithRange(offered, 'offeredPerSec') : '—',
        offered ? medianWithRange(offered, 'lost') : '—',
        offered ? drops(offered) : '—',
      ];
    });
    const ship = hw(shipping, 'shipping')?.median.docsPerSec;
    const peer = find(shipping, 'pino-elasticsearch/shipping')?.median.docsPerSec;
    const lost = hw(shipping, 'offered-rate')?.median.lost;
    const concurrency = (['heapwise-c1', 'heapwise', 'heapwise-c4'] as const)
      .map(
        (s) =>
          `${s === 'heapwise' ? 'default' : LABEL[s].replace(/.*`(.*)`/, '$1')}: ${formatCount(find(shipping, `${s}/shipping`)?.median.docsPerSec)}`,
      )
      .join(', ');
    sections.push({
      title: 'Logger 3: shipping throughput and drops at 16k logs/s',
      method:
        `Shipping: ${formatCount(SIZES.shippingRecords)} records logged as fast as possible (after ${formatCount(SIZES.shippingWarmupRecords)} warm-up records were delivered); ` +
        `docs/s = documents the server accepted / time from the first call to the last accepted document. Batches: heapwise \`maxBatchSize: ${BATCH_RECORDS}\` (its default); ` +
        `pino-elasticsearch \`flushBytes: ${PINO_ES_FLUSH_BYTES}\` (≈ ${BATCH_RECORDS} records, tuned: its default of 5 MB would hold records for its 30 s flush interval); winston-elasticsearch has no batch-size option (it sends its whole buffer every 2 s). ` +
        `Offered rate: ${formatCount(SIZES.offeredRatePerSec)} records/s paced in 10 ms ticks for ${SIZES.offeredDurationMs / 1000} s; lost = logged − accepted after a flush and 5 s without progress. ` +
        `The two \`maxConcurrentRequests\` rows are how the default was chosen.`,
      table: markdownTable(
        [
          'logger',
          'docs/s median (min–max)',
          'delivered',
          'heapwise (defaults) / this',
          'offered records/s',
          'lost at 16k/s',
          'dropped at 16k/s (library says)',
        ],
        rows,
      ),
      notes: heapwise
        ? [
            `Goal (≥ 40,000 docs/s and ≥ 1.0× pino-elasticsearch), heapwise defaults: ${ship === undefined || peer === undefined ? 'n/a' : ship >= 40_000 && ship >= peer ? '**met**' : '**not met**'} (${formatCount(ship)} docs/s, ${ratioCell(ship, peer, true)} pino-elasticsearch).`,
            `Goal (0 lost at 16k/s for ${SIZES.offeredDurationMs / 1000} s), heapwise defaults: ${lost === undefined ? 'n/a' : lost === 0 ? '**met**' : '**not met**'} (${formatCount(lost)} lost).`,
            `docs/s by requests in flight: ${concurrency}.`,
          ]
        : [`Goals: ${NOT_AVAILABLE}.`],
    });
  }
  // 4. recovery and mix
  {
    const rows = memorySubjects.map((s) => {
      const rec = find(recovery, `${s}/recovery`);
      const m = find(mix, `${s}/mix`);
      return [
        LABEL[s],
        medianWithRange(rec, 'deliveredFraction', (v) => formatPercent(v)),
        rec === undefined || rec.samples.length === 0
          ? 'n/a'
          : rec.samples.every((x) => (x.timeToAllMs ?? -1) >= 0)
            ? medianWithRange(rec, 'timeToAllMs', (v) => formatFixed(v / 1000, 1, ' s'))
            : `not all delivered in ${rec.samples.filter((x) => (x.timeToAllMs ?? -1) < 0).length}/${rec.samples.length} runs`,
        medianWithRange(rec, 'duplicates'),
        medianWithRange(m, 'duplicates'),
        medianWithRange(m, 'lostRetryable'),
        medianWithRange(m, 'acceptedPermanent400'),
        ratio(recovery, 'recovery', s, 'deliveredFraction', true),
      ];
    });
    const rec = hw(recovery, 'recovery')?.median.deliveredFraction;
    const dup = hw(mix, 'mix')?.median.duplicates;
    sections.push({
      title: 'Logger 4: recovery after an outage, and duplicates under 429 + 400',
      method:
        `Recovery: the server refuses connections while ${formatCount(SIZES.recoveryRecords)} records are logged evenly over ${SIZES.outageMs / 1000} s (${formatCount((SIZES.recoveryRecords * 1000) / SIZES.outageMs)}/s), then comes back on the same port; ` +
        `delivered = distinct records (by their \`seq\`) the server holds ${SIZES.recoveryDeadlineMs / 1000} s later at most. ` +
        `The records here are ~300 bytes as pino lines (the size the default buffer is sized for: ${itemCap === undefined ? '?' : formatCount(itemCap)} items / ${byteCap ? formatMiB(byteCap, 0) : '?'}); the access-log record of the other tables is ~420. ` +
        `Mix: ${formatCount(SIZES.mixRecords)} records at ${formatCount(SIZES.mixRatePerSec)}/s; requests alternate between two answers: 429 for records with seq%10 ∈ {1,2} (once each) and seq%10 = 0, and 400 for seq%10 = 0. ` +
        `So 10 % can never be accepted and 20 % need one retry. Duplicates = accepted deliveries of a record beyond its first; lost retryable = records with seq%10 ≠ 0 never accepted. ` +
        `Counting cells: ${idle.runs} runs each, several side by side, no warm-up.`,
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
      notes: heapwise
        ? [
            `Goal (100 % delivered after a ${SIZES.outageMs / 1000} s outage), heapwise defaults: ${rec === undefined ? 'n/a' : rec >= 1 ? '**met**' : '**not met**'} (${formatPercent(rec)}).`,
            `Goal (0 duplicates under the mix), heapwise defaults: ${dup === undefined ? 'n/a' : dup === 0 ? '**met**' : '**not met**'}.`,
          ]
        : [`Goals: ${NOT_AVAILABLE}.`],
    });
  }
  // 5. partial 429s
  {
    const rows = memorySubjects.map((s) => {
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
    const delivered = hw(partial, 'partial-429')?.median.deliveredFraction;
    const dup = hw(partial, 'partial-429')?.median.duplicates;
    sections.push({
      title: 'Logger 5: partial 429s (a busy cluster)',
      method:
        `The server answers 429 to the first attempt of every 10th record (seq%10 = 0), as Elasticsearch does when a write queue is briefly full; every retry succeeds. ` +
        `${formatCount(SIZES.partial429RatePerSec)} records/s for ${SIZES.partial429DurationMs / 1000} s, then a flush and up to 30 s for delivery to stop; delivered = distinct records the server holds. ` +
        `Counting cells: ${idle.runs} runs each, side by side, no warm-up.`,
      table: markdownTable(
        [
          'logger',
          'logged',
          'delivered',
          'duplicates',
          'dropped (library says)',
          'heapwise (defaults) / this (delivered)',
        ],
        rows,
      ),
      notes: heapwise
        ? [
            `Goal (≥ 95 % delivered, 0 duplicates), heapwise defaults: ${delivered === undefined || dup === undefined ? 'n/a' : delivered >= 0.95 && dup === 0 ? '**met**' : '**not met**'} (${formatPercent(delivered)}, ${formatCount(dup)} duplicates).`,
          ]
        : [`Goals: ${NOT_AVAILABLE}.`],
    });
  }
  // 6. import cost
  {
    const IMPORT_LABEL: Record<ImportSubject, string> = {
      node: 'node, nothing imported',
      pino: '`pino` + a logger',
      heapwise: '**`@heapwise/logger`** + a logger (no shipper)',
      'heapwise-shipper': '**`@heapwise/logger`** + a logger + an Elasticsearch shipper (client loaded)',
      'pino-elasticsearch': '`pino` + `pino-elasticsearch` stream',
      'winston-elasticsearch': '`winston` + `winston-elasticsearch` transport',
    };
    const rssOf = (subject: ImportSubject): number | undefined => find(imports, `import/${subject}`)?.median.rssBytes;
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
    const shipperRss = rssOf('heapwise-shipper');
    sections.push({
      title: 'Logger 6: import cost',
      method:
        `RSS and heapUsed after two forced GCs, 500 ms after loading the library and creating a logger (and, for the shipper rows, its Elasticsearch destination pointed at a closed port: heapwise loads its client for the first request, which is refused). ` +
        `Each row a fresh process that imports nothing else. Memory cells: ${counted.concurrency} at a time, no warm-up.`,
      table: markdownTable(['process', 'RSS', 'heapUsed', 'RSS over bare node'], rows),
      notes: heapwise
        ? [
            `Goal (importing the logger ≤ pino + 3 MiB RSS): ${hwRss === undefined || pinoRss === undefined ? 'n/a' : hwRss <= pinoRss + 3 * 1048576 ? '**met**' : '**not met**'} (${formatMiB(hwRss)} vs pino ${formatMiB(pinoRss)}).`,
            `The Elasticsearch client costs ${shipperRss === undefined || hwRss === undefined ? 'n/a' : `+${formatMiB(shipperRss - hwRss)}`} RSS once a shipper exists (loaded on first use, not at import).`,
          ]
        : [`Goals: ${NOT_AVAILABLE}.`],
    });
  }
  // The disk spool's rows: their own cells, file and goals (also runnable alone: npm run bench:logger:spool).
  sections.push(...(await spoolSections()));
  const notes = [
    "winston-elasticsearch needs two adaptations to talk to the loopback server, both in `bench/src/logger/subjects.ts`: its `GET /_cluster/health` check is sent as `GET /` (the server serves `/` and `_bulk` only; both fail the same way when the server is down), and the `attempts` key it writes beside each bulk action is stripped (the server rejects an action line with a second key, as Elasticsearch's strict parser does).",
  ];
  if (!heapwise) notes.unshift(`${NOT_AVAILABLE}: @heapwise/logger did not load; peers only.`);
  sections.push({ title: 'Logger: notes', method: notes.map((n) => `- ${n}`).join('\n'), table: '' });

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
    raw: { throughput, memory, shipping, recovery, mix, partial, imports, sizes: SIZES },
  });
}

await main();
