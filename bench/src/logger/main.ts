// `npm run bench:logger`: the logger tables. Every cell is one library × one scenario, run in fresh
// processes (see harness/runner.ts); the loopback Elasticsearch is @heapwise/testkit's server in a
// separate process per cell.
import { describeEnvironment, startContentionMonitor } from '../harness/environment.js';
import { defaultPlan, isQuick, writeSuite, type Section } from '../harness/report.js';
import { runMatrix, type CellResult, type CellSpec, type RunPlan } from '../harness/runner.js';
import { heapwiseAvailable, log, medianWithRange, NOT_AVAILABLE } from '../harness/suite.js';
import { formatCount, formatFixed, formatMiB, formatPercent, markdownTable, ratioCell } from '../harness/table.js';
import type { LoggerCellArgs, Scenario } from './child.js';
import { BATCH_RECORDS, PINO_ES_FLUSH_BYTES, type SubjectName } from './subjects.js';

const quick = isQuick();
/** Sizes of each scenario: the issue's where it names one, else large enough for a stable median. */
const SIZES = {
  throughputRecords: quick ? 10_000 : 20_000,
  throughputWarmupRecords: quick ? 1_000 : 3_000,
  memoryRecords: quick ? 50_000 : 200_000,
  shippingRecords: quick ? 10_000 : 20_000,
  shippingWarmupRecords: quick ? 1_000 : 2_000,
  offeredRatePerSec: 16_000,
  offeredDurationMs: quick ? 2_000 : 3_000,
  recoveryRecords: quick ? 5_000 : 20_000,
  outageMs: quick ? 5_000 : 15_000,
  recoveryDeadlineMs: quick ? 15_000 : 45_000,
  mixRecords: quick ? 2_000 : 5_000,
  mixRatePerSec: 2_000,
};

const ES_SUBJECTS: SubjectName[] = ['heapwise', 'heapwise-roomy', 'pino-elasticsearch', 'winston-elasticsearch'];
const LABEL: Record<SubjectName, string> = {
  heapwise: '**heapwise** (pino + bounded shipper, defaults)',
  'heapwise-roomy': '**heapwise**, buffer raised to 100k items / 64 MiB',
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
    ? ((await import('@heapwise/logger' as string)) as { SHIPPER_DEFAULTS?: Record<string, number> }).SHIPPER_DEFAULTS
    : undefined;
  const byteCap = defaults?.maxBufferedBytes;
  const itemCap = defaults?.maxBufferedItems;
  const keep = (subjects: SubjectName[]): SubjectName[] =>
    subjects.filter((s) => heapwise || !s.startsWith('heapwise'));
  const timed = defaultPlan(1);
  // Memory and delivery counts do not depend on CPU speed: those cells may share the two cores.
  const counted: RunPlan = { ...defaultPlan(2), warmups: 0 };
  const idle: RunPlan = { ...defaultPlan(quick ? 8 : 20), warmups: 0 };

  log('logger 1/5: log-call throughput');
  const throughputSubjects = keep([
    'heapwise',
    'heapwise-roomy',
    'pino-devnull',
    'pino-elasticsearch',
    'winston-elasticsearch',
    'floor',
  ]);
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
  log('logger 2/5: memory with Elasticsearch down');
  const memorySubjects = keep(ES_SUBJECTS);
  const capSubjects = memorySubjects.filter((s) => s !== 'heapwise-roomy');
  const memory = await runMatrix(
    capSubjects.flatMap((s) => [
      cell(s, 'memory-refused', { records: SIZES.memoryRecords }, 240_000),
      cell(s, 'memory-hung', { records: SIZES.memoryRecords }, 240_000),
    ]),
    counted,
    log,
  );
  log('logger 3/5: shipping throughput and 16k/s offered');
  const shipping = await runMatrix(
    memorySubjects.flatMap((s) => [
      cell(s, 'shipping', { records: SIZES.shippingRecords, warmupRecords: SIZES.shippingWarmupRecords }, 180_000),
      cell(
        s,
        'offered-rate',
        { records: 0, ratePerSec: SIZES.offeredRatePerSec, durationMs: SIZES.offeredDurationMs },
        120_000,
      ),
    ]),
    timed,
    log,
  );
  log('logger 4/5: recovery after an outage (cells run side by side: they count documents, they do not time them)');
  const recovery = await runMatrix(
    memorySubjects.map((s) =>
      cell(
        s,
        'recovery',
        { records: SIZES.recoveryRecords, outageMs: SIZES.outageMs, recoveryDeadlineMs: SIZES.recoveryDeadlineMs },
        SIZES.outageMs + SIZES.recoveryDeadlineMs + 60_000,
      ),
    ),
    idle,
    log,
  );
  log('logger 5/5: 429 + permanent-400 mix');
  const mix = await runMatrix(
    memorySubjects.map((s) => cell(s, 'mix', { records: SIZES.mixRecords, ratePerSec: SIZES.mixRatePerSec }, 120_000)),
    idle,
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
    if (subject === 'heapwise' || subject === 'heapwise-roomy') return '—';
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
        ratio(throughput, 'throughput', s, 'callsPerSec', true, 'heapwise-roomy'),
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
        `Record: an HTTP access-log object (~420 bytes as JSON). heapwise uses its defaults (redaction on, ${itemCap ?? '?'} items / ${byteCap ? formatMiB(byteCap, 0) : '?'} buffer); a call that overflows the buffer drops the oldest records, which the "dropped" column shows.`,
      table: markdownTable(
        [
          'logger',
          'calls/s median (min–max)',
          'delivered',
          'dropped (library says)',
          'heapwise (defaults) / this',
          'heapwise (raised buffer) / this',
        ],
        rows,
      ),
      notes: [
        goal,
        `With its default ${itemCap ?? '?'}-item buffer heapwise drops most of a ${formatCount(SIZES.throughputRecords)}-record burst (see "delivered"), so it also ships less during the timed calls; the raised-buffer row ships everything and is the like-for-like comparison with the Elasticsearch peers.`,
      ],
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
        const growth = Math.max(
          hw(memory, scenario)?.median.heapGrowthBytes ?? NaN,
          hw(memory, scenario)?.median.rssGrowthBytes ?? NaN,
        );
        const limit = byteCap + 8 * 1048576;
        notes.push(
          `Goal (${scenario === 'memory-refused' ? 'closed port' : 'hung server'}: heapwise growth ≤ byte cap ${formatMiB(byteCap, 0)} + 8 MiB): ` +
            (Number.isFinite(growth)
              ? `${growth <= limit ? '**met**' : '**not met**'} (larger of heap and RSS growth: ${formatMiB(growth)})`
              : 'n/a'),
        );
      }
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
    const rows = memorySubjects.map((s) => {
      const ship = find(shipping, `${s}/shipping`);
      const offered = find(shipping, `${s}/offered-rate`);
      return [
        LABEL[s],
        medianWithRange(ship, 'docsPerSec'),
        ship?.median.deliveredFraction === undefined ? 'n/a' : formatPercent(ship.median.deliveredFraction),
        ratio(shipping, 'shipping', s, 'docsPerSec', true),
        ratio(shipping, 'shipping', s, 'docsPerSec', true, 'heapwise-roomy'),
        medianWithRange(offered, 'offeredPerSec'),
        medianWithRange(offered, 'lost'),
        drops(offered),
      ];
    });
    sections.push({
      title: 'Logger 3: shipping throughput and drops at 16k logs/s',
      method:
        `Shipping: ${formatCount(SIZES.shippingRecords)} records logged as fast as possible (after ${formatCount(SIZES.shippingWarmupRecords)} warm-up records were delivered); ` +
        `docs/s = documents the server accepted / time from the first call to the last accepted document. Batches: heapwise \`maxBatchSize: ${BATCH_RECORDS}\`; ` +
        `pino-elasticsearch \`flushBytes: ${PINO_ES_FLUSH_BYTES}\` (≈ ${BATCH_RECORDS} records); winston-elasticsearch has no batch-size option (it sends its whole buffer every 2 s). ` +
        `Offered rate: ${formatCount(SIZES.offeredRatePerSec)} records/s paced in 10 ms ticks for ${SIZES.offeredDurationMs / 1000} s; lost = logged − accepted after a flush and 5 s without progress.`,
      table: markdownTable(
        [
          'logger',
          'docs/s median (min–max)',
          'delivered',
          'heapwise (defaults) / this',
          'heapwise (raised buffer) / this',
          'offered records/s',
          'lost at 16k/s',
          'dropped at 16k/s (library says)',
        ],
        rows,
      ),
      notes: heapwise
        ? (['heapwise', 'heapwise-roomy'] as const).flatMap((s) => {
            const ship = find(shipping, `${s}/shipping`)?.median.docsPerSec;
            const lost = find(shipping, `${s}/offered-rate`)?.median.lost;
            const which = s === 'heapwise' ? 'defaults' : 'raised buffer';
            return [
              `Goal (≥ 40,000 docs/s), heapwise ${which}: ${ship === undefined ? 'n/a' : ship >= 40_000 ? '**met**' : '**not met**'} (${formatCount(ship)} docs/s).`,
              `Goal (0 lost at 16k/s), heapwise ${which}: ${lost === undefined ? 'n/a' : lost === 0 ? '**met**' : '**not met**'} (${formatCount(lost)} lost).`,
            ];
          })
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
    sections.push({
      title: 'Logger 4: recovery after an outage, and duplicates under 429 + 400',
      method:
        `Recovery: the server refuses connections while ${formatCount(SIZES.recoveryRecords)} records are logged evenly over ${SIZES.outageMs / 1000} s, then comes back on the same port; ` +
        `delivered = distinct records (by their \`seq\`) the server holds ${SIZES.recoveryDeadlineMs / 1000} s later at most. ` +
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
        ? (['heapwise', 'heapwise-roomy'] as const).flatMap((s) => {
            const rec = find(recovery, `${s}/recovery`)?.median.deliveredFraction;
            const dup = find(mix, `${s}/mix`)?.median.duplicates;
            const which =
              s === 'heapwise'
                ? `defaults (${itemCap ?? '?'} items: by design it keeps only the newest ${itemCap ?? '?'} of ${formatCount(SIZES.recoveryRecords)})`
                : 'raised buffer';
            return [
              `Goal (100 % delivered), heapwise ${which}: ${rec === undefined ? 'n/a' : rec >= 1 ? '**met**' : '**not met**'} (${formatPercent(rec)}).`,
              `Goal (0 duplicates under the mix), heapwise ${s === 'heapwise' ? 'defaults' : 'raised buffer'}: ${dup === undefined ? 'n/a' : dup === 0 ? '**met**' : '**not met**'}.`,
            ];
          })
        : [`Goals: ${NOT_AVAILABLE}.`],
    });
  }
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
    raw: { throughput, memory, shipping, recovery, mix, sizes: SIZES },
  });
}

await main();
