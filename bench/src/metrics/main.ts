// `npm run bench:metrics`: the metrics tables (heapwise vs prom-client vs OpenTelemetry).
import { describeEnvironment, startContentionMonitor } from '../harness/environment.js';
import { defaultPlan, isQuick, writeSuite, type Section } from '../harness/report.js';
import { runMatrix, type CellResult, type CellSpec, type RunPlan } from '../harness/runner.js';
import { heapwiseAvailable, log, medianWithRange, NOT_AVAILABLE } from '../harness/suite.js';
import { formatCount, formatFixed, formatMiB, markdownTable, ratioCell } from '../harness/table.js';
import type { MetricsCellArgs, MetricsScenario } from './child.js';
import type { MetricsSubjectName } from './subjects.js';

const quick = isQuick();
const SIZES = {
  ops: quick ? 200_000 : 2_000_000,
  opsWarmup: quick ? 50_000 : 200_000,
  scrapeSeries: [1_000, 10_000],
  scrapes: quick ? 5 : 20,
  cardinality: quick ? [25_000] : [25_000, 50_000, 100_000],
  cycles: quick ? 50 : 200,
  idleMs: quick ? 500 : 1_500,
};

const LABEL: Record<MetricsSubjectName, string> = {
  heapwise: '**heapwise**',
  'heapwise-uncapped': '**heapwise**, `maxSeries` raised to N',
  'prom-client': 'prom-client',
  opentelemetry: '@opentelemetry/sdk-metrics + exporter-prometheus',
};

function cell(
  subject: MetricsSubjectName,
  scenario: MetricsScenario,
  size: number,
  extra: Partial<MetricsCellArgs> = {},
): CellSpec {
  const args: MetricsCellArgs = { subject, scenario, size, ...extra };
  return {
    id: `${subject}/${scenario}/${size}`,
    script: 'metrics/child.js',
    args: { ...args },
    nodeFlags: ['--expose-gc'],
    timeoutMs: 180_000,
  };
}

async function main(): Promise<void> {
  const environment = describeEnvironment();
  const contention = startContentionMonitor();
  const heapwise = await heapwiseAvailable('@heapwise/metrics', 'createRegistry');
  const subjects: MetricsSubjectName[] = heapwise
    ? ['heapwise', 'prom-client', 'opentelemetry']
    : ['prom-client', 'opentelemetry'];
  const timed = defaultPlan(1);
  const counted: RunPlan = { ...defaultPlan(2), warmups: 0 };
  const ops: MetricsScenario[] = ['counter-inc', 'counter-inc-labels', 'histogram-observe', 'gauge-set'];

  log('metrics 1/4: ns/op');
  const opResults = await runMatrix(
    subjects.flatMap((s) => ops.map((op) => cell(s, op, SIZES.ops, { warmup: SIZES.opsWarmup }))),
    timed,
    log,
  );
  log('metrics 2/4: scrape time');
  const scrapeResults = await runMatrix(
    subjects.flatMap((s) => SIZES.scrapeSeries.map((n) => cell(s, 'scrape', n, { scrapes: SIZES.scrapes }))),
    timed,
    log,
  );
  log('metrics 3/4: heap by label cardinality (memory cells run two at a time)');
  const cardinalitySubjects: MetricsSubjectName[] = heapwise
    ? ['heapwise', 'heapwise-uncapped', 'prom-client', 'opentelemetry']
    : ['prom-client', 'opentelemetry'];
  const cardinality = await runMatrix(
    cardinalitySubjects.flatMap((s) => SIZES.cardinality.map((n) => cell(s, 'cardinality', n))),
    counted,
    log,
  );
  log('metrics 4/4: create/destroy cycles');
  const lifecycle = await runMatrix(
    subjects.map((s) => cell(s, 'lifecycle', SIZES.cycles, { idleMs: SIZES.idleMs })),
    counted,
    log,
  );

  const find = (results: CellResult[], id: string): CellResult | undefined => results.find((r) => r.spec.id === id);
  const vs = (results: CellResult[], hwId: string, peerId: string, key: string, higherIsBetter: boolean): string =>
    heapwise
      ? ratioCell(find(results, hwId)?.median[key], find(results, peerId)?.median[key], higherIsBetter)
      : NOT_AVAILABLE;
  const ns = (v: number): string => formatFixed(v, 1);
  const sections: Section[] = [];

  {
    const header = [
      'operation',
      ...subjects.map((s) => `${LABEL[s]} ns/op`),
      'heapwise / prom-client',
      'heapwise / OpenTelemetry',
    ];
    const names: Record<string, string> = {
      'counter-inc': 'counter inc, no labels',
      'counter-inc-labels': 'counter inc, 2 labels (8 label sets)',
      'histogram-observe': 'histogram observe (11 buckets)',
      'gauge-set': 'gauge set',
    };
    const rows = ops.map((op) => [
      names[op],
      ...subjects.map((s) => medianWithRange(find(opResults, `${s}/${op}/${SIZES.ops}`), 'nsPerOp', ns)),
      vs(opResults, `heapwise/${op}/${SIZES.ops}`, `prom-client/${op}/${SIZES.ops}`, 'nsPerOp', false),
      vs(opResults, `heapwise/${op}/${SIZES.ops}`, `opentelemetry/${op}/${SIZES.ops}`, 'nsPerOp', false),
    ]);
    sections.push({
      title: 'Metrics 1: cost per operation',
      method:
        `${formatCount(SIZES.ops)} calls in a tight loop after ${formatCount(SIZES.opsWarmup)} warm-up calls ` +
        'in the same process; ns/op = elapsed / calls. Labelled calls pass one of 8 pre-built label objects ' +
        `(\`{ method, route }\`). OpenTelemetry's gauge is the synchronous \`createGauge\`.`,
      table: markdownTable(header, rows),
    });
  }
  {
    const header = [
      'series',
      ...subjects.map((s) => `${LABEL[s]} ms/scrape`),
      'heapwise / prom-client',
      'heapwise / OpenTelemetry',
    ];
    const rows = SIZES.scrapeSeries.map((n) => [
      formatCount(n),
      ...subjects.map((s) =>
        medianWithRange(find(scrapeResults, `${s}/scrape/${n}`), 'scrapeMs', (v) => formatFixed(v, 2)),
      ),
      vs(scrapeResults, `heapwise/scrape/${n}`, `prom-client/scrape/${n}`, 'scrapeMs', false),
      vs(scrapeResults, `heapwise/scrape/${n}`, `opentelemetry/scrape/${n}`, 'scrapeMs', false),
    ]);
    sections.push({
      title: 'Metrics 2: scrape time',
      method:
        `Counters with labels \`{ method, path }\`, 500 series per metric (below every library's default ` +
        `cap), rendered to Prometheus text. Per process: the median of ${SIZES.scrapes} scrapes after 3 warm-up ` +
        'scrapes; the table shows the median of those medians across processes. OpenTelemetry: ' +
        `\`exporter.collect()\` + \`PrometheusSerializer.serialize()\`, what its HTTP handler does.`,
      table: markdownTable(header, rows),
    });
  }
  {
    const header = [
      'distinct label values',
      ...cardinalitySubjects.map((s) => `${LABEL[s]}: heap growth (series kept)`),
      'heapwise (default) / prom-client',
      'heapwise (`maxSeries` = N) / prom-client',
    ];
    const rows = SIZES.cardinality.map((n) => [
      formatCount(n),
      ...cardinalitySubjects.map((s) => {
        const r = find(cardinality, `${s}/cardinality/${n}`);
        return `${medianWithRange(r, 'heapGrowthBytes', (v) => formatMiB(v))} (${formatCount(r?.median.series)})`;
      }),
      vs(cardinality, `heapwise/cardinality/${n}`, `prom-client/cardinality/${n}`, 'heapGrowthBytes', false),
      vs(cardinality, `heapwise-uncapped/cardinality/${n}`, `prom-client/cardinality/${n}`, 'heapGrowthBytes', false),
    ]);
    sections.push({
      title: 'Metrics 3: heap by label cardinality',
      method:
        `One counter with labels \`{ method, user }\` incremented once for each of N distinct users; ` +
        'heapUsed growth after two forced GCs. "series kept" is the number of sample lines of that counter in a ' +
        'scrape afterwards. heapwise caps live series per metric (default 1000, the rest go to one overflow ' +
        `series); OpenTelemetry's SDK caps attribute sets per instrument (default 2000, then an overflow ` +
        `attribute set); prom-client keeps every one. The "\`maxSeries\` raised to N" row compares like with ` +
        'like. Memory cells: two at a time, no warm-up.',
      table: markdownTable(header, rows),
    });
  }
  {
    const rows = subjects.map((s) => {
      const r = find(lifecycle, `${s}/lifecycle/${SIZES.cycles}`);
      return [
        LABEL[s],
        medianWithRange(r, 'heapGrowthBytes', (v) => formatMiB(v, 2)),
        medianWithRange(r, 'activeHandlesGrowth'),
        medianWithRange(r, 'idleCpuMsPerSecBefore', (v) => formatFixed(v, 2)),
        medianWithRange(r, 'idleCpuMsPerSecAfter', (v) => formatFixed(v, 2)),
        s === 'heapwise'
          ? '—'
          : heapwise
            ? ratioCell(
                find(lifecycle, `heapwise/lifecycle/${SIZES.cycles}`)?.median.heapGrowthBytes,
                r?.median.heapGrowthBytes,
                false,
              )
            : NOT_AVAILABLE,
      ];
    });
    sections.push({
      title: 'Metrics 4: create/destroy cycles',
      method:
        `${SIZES.cycles} cycles of: create a registry with the library's runtime metrics (heapwise ` +
        `\`collectRuntimeMetrics\`, prom-client \`collectDefaultMetrics\`; OpenTelemetry's SDK has none, its ` +
        'runtime instrumentation is another package), one counter, one scrape, then teardown ' +
        `(heapwise \`destroy()\`, prom-client \`clear()\` — it has no destroy, OpenTelemetry ` +
        `\`provider.shutdown()\`). Heap growth after GC against the state after one cycle; active handles ` +
        `(\`process.getActiveResourcesInfo()\`) against the fresh process; ` +
        `idle CPU = CPU ms used per second of ${SIZES.idleMs} ms idle, in the fresh process and after the cycles.`,
      table: markdownTable(
        [
          'library',
          'heap growth',
          'active handles growth',
          'idle CPU before (ms/s)',
          'idle CPU after (ms/s)',
          'heapwise / this (heap)',
        ],
        rows,
      ),
    });
  }
  if (!heapwise)
    sections.push({
      title: 'Metrics: notes',
      method: `- ${NOT_AVAILABLE}: @heapwise/metrics did not load; peers only.`,
      table: '',
    });

  writeSuite({
    suite: 'metrics',
    command: 'npm run bench:metrics',
    environment,
    packages: [
      '@heapwise/metrics',
      'prom-client',
      '@opentelemetry/sdk-metrics',
      '@opentelemetry/exporter-prometheus',
      '@opentelemetry/api',
    ],
    plan: timed,
    contention: contention.stop(),
    sections,
    raw: { opResults, scrapeResults, cardinality, lifecycle, sizes: SIZES },
  });
}

await main();
