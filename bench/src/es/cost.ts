// `npm run bench:es`: the CPU the loopback Elasticsearch process spends per document. bench:logger
// runs it beside the logger it measures, so on a 2-core machine every microsecond it spends is taken
// from the logger; this suite says how many. Each cell is a fresh server process fed `_bulk` bodies
// of bench:logger's record; the peer is the same process answering without indexing (the HTTP cost
// alone), since no real Elasticsearch runs here.
import { describeEnvironment, startContentionMonitor } from '../harness/environment.js';
import { defaultPlan, isQuick, writeSuite } from '../harness/report.js';
import { runMatrix, type CellSpec } from '../harness/runner.js';
import { log, medianWithRange } from '../harness/suite.js';
import { formatCount, formatFixed, formatPercent, markdownTable } from '../harness/table.js';
import type { EsCostCellArgs } from './cost-child.js';
import { importByName } from '../harness/import-by-name.js';

const quick = isQuick();
const SIZES = {
  /** bench:logger's shippers send about 1,000 records a request. */
  docsPerBody: 1_000,
  warmupBodies: quick ? 5 : 20,
  /** 100k documents: about what bench:logger's throughput cells deliver to one server process. */
  measuredBodies: quick ? 20 : 100,
};
/** The filter @heapwise/logger's shipper asks for, read from the logger (the one place it is spelled). */
const SHIPPER_FILTER_PATH = ((await importByName('@heapwise/logger')) as { BULK_FILTER_PATH: string }).BULK_FILTER_PATH;
/** A rate bench:logger's shippers reach: the last column is the share of a core the server takes at it. */
const RATE_DOCS_PER_SEC = 100_000;

interface Case {
  id: string;
  label: string;
  args: Omit<EsCostCellArgs, 'docsPerBody' | 'warmupBodies' | 'measuredBodies'>;
}

const CASES: Case[] = [
  {
    id: 'create-ids-filtered',
    label: `\`create\` with \`_id\`, \`filter_path=${SHIPPER_FILTER_PATH}\` (as @heapwise/logger sends)`,
    args: { mode: 'ok', withIds: true, filterPath: SHIPPER_FILTER_PATH },
  },
  {
    id: 'create-ids-full',
    label: '`create` with `_id`, full answer',
    args: { mode: 'ok', withIds: true },
  },
  {
    id: 'index-no-ids-full',
    label: '`index` without `_id` (the server makes one), full answer (as the official client’s helpers send)',
    args: { mode: 'ok', withIds: false },
  },
  {
    id: 'unindexed',
    label: 'peer: the same process reading each body and answering without indexing it (HTTP alone)',
    args: { mode: 'unindexed', withIds: true, filterPath: SHIPPER_FILTER_PATH },
  },
];

async function main(): Promise<void> {
  const environment = describeEnvironment();
  const contention = startContentionMonitor();
  const plan = defaultPlan();
  const cells: CellSpec[] = CASES.map((c) => ({
    id: c.id,
    script: 'es/cost-child.js',
    args: { ...c.args, ...SIZES } satisfies EsCostCellArgs,
    timeoutMs: 120_000,
  }));
  log(`es: ${cells.length} cells × ${plan.runs + plan.warmups} processes`);
  const results = await runMatrix(cells, plan, log);
  const floor = results.find((r) => r.spec.id === 'unindexed')?.median.serverMicrosPerDoc;
  const rows = CASES.map((c) => {
    const result = results.find((r) => r.spec.id === c.id);
    const micros = result?.median.serverMicrosPerDoc;
    const overFloor = micros === undefined || floor === undefined ? undefined : micros / floor;
    const coreAtRate = micros === undefined ? undefined : (micros * RATE_DOCS_PER_SEC) / 1_000_000;
    return [
      c.label,
      medianWithRange(result, 'serverMicrosPerDoc', (v) => formatFixed(v, 2)),
      c.id === 'unindexed' ? '1.00×' : formatFixed(overFloor, 2, '×'),
      formatPercent(coreAtRate, 0),
    ];
  });
  writeSuite({
    suite: 'es',
    command: 'npm run bench:es',
    environment,
    packages: ['@heapwise/testkit'],
    plan,
    contention: contention.stop(),
    sections: [
      {
        title: 'ES 1. Loopback Elasticsearch: server CPU per document',
        method:
          `Each cell is a fresh server process (\`src/es/server-process.ts\`, \`storeSources: false\`) fed ` +
          `${SIZES.warmupBodies} warm-up then ${SIZES.measuredBodies} measured \`_bulk\` bodies of ` +
          `${formatCount(SIZES.docsPerBody)} bench:logger records (~420 bytes), one request at a time; ` +
          "the server's own `process.cpuUsage()` (user + system) over the measured bodies, per document. " +
          `The last column is the share of one core the server takes at ${RATE_DOCS_PER_SEC / 1000}k documents/s.`,
        table: markdownTable(
          ['request', 'server CPU µs/doc', '× HTTP alone', `core at ${RATE_DOCS_PER_SEC / 1000}k docs/s`],
          rows,
        ),
      },
    ],
    raw: { results, sizes: SIZES },
  });
}

await main();
