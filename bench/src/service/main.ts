// `npm run bench:service`: example-api against a bare node:http server, and the soak slope.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeEnvironment, startContentionMonitor } from '../harness/environment.js';
import { defaultPlan, isQuick, resultsDir, writeSuite, type Section } from '../harness/report.js';
import { runMatrix, type CellResult, type CellSpec, type RunPlan } from '../harness/runner.js';
import { log, medianWithRange } from '../harness/suite.js';
import { formatCount, formatFixed, formatMiB, markdownTable, ratioCell } from '../harness/table.js';
import type { ServiceCellArgs, ServiceScenario, ServiceTarget } from './child.js';

const quick = isQuick();
const SIZES = {
  idleMs: quick ? 1_000 : 3_000,
  inFlight: 50,
  requestMs: 2_000,
  soakSeconds: quick ? 10 : 60,
};
const repoDir = fileURLToPath(new URL('../../../', import.meta.url));
const exampleApiBuilt = existsSync(`${repoDir}services/example-api/dist/main.js`);

const LABEL: Record<ServiceTarget, string> = {
  'example-api': '**example-api** (heapwise logger, metrics, lifecycle)',
  'bare-http': 'bare `node:http`, default SIGTERM',
  'bare-http-close': 'bare `node:http` + `server.close()` on SIGTERM',
};

function cell(target: ServiceTarget, scenario: ServiceScenario): CellSpec {
  const args: ServiceCellArgs = {
    target,
    scenario,
    idleMs: SIZES.idleMs,
    inFlight: SIZES.inFlight,
    requestMs: SIZES.requestMs,
  };
  return { id: `${target}/${scenario}`, script: 'service/child.js', args: { ...args }, timeoutMs: 90_000 };
}

interface SoakReport {
  verdict?: string;
  reason?: string;
  slopeBytesPerRequest: number;
  stdErrorBytesPerRequest: number;
  requests: number;
  samples: unknown[] | number;
  durationSeconds?: number;
}

/** Runs the service engineer's soak (root `npm run soak`) once, or reuses a report given in BENCH_SOAK_REPORT. */
async function soak(): Promise<{ report?: SoakReport; source: string; exitCode?: number }> {
  const reuse = process.env.BENCH_SOAK_REPORT;
  if (reuse) {
    return {
      report: JSON.parse(readFileSync(reuse, 'utf8')) as SoakReport,
      source: `reused ${reuse} (BENCH_SOAK_REPORT)`,
    };
  }
  const out = `${resultsDir}soak-report.json`;
  const command = ['run', 'soak', '--', '--duration', String(SIZES.soakSeconds), '--out', out];
  const exitCode = await new Promise<number>((resolve) => {
    const child = spawn('npm', command, {
      cwd: repoDir,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
  if (!existsSync(out)) return { source: `\`npm ${command.join(' ')}\` wrote no report (exit ${exitCode})`, exitCode };
  return {
    report: JSON.parse(readFileSync(out, 'utf8')) as SoakReport,
    source: `\`npm ${command.join(' ').replace(out, 'bench/results/soak-report.json')}\``,
    exitCode,
  };
}

async function main(): Promise<void> {
  const environment = describeEnvironment();
  const contention = startContentionMonitor();
  const timed = defaultPlan(1);
  // Idle RSS does not depend on CPU speed; the shutdown cells time 2 s requests, not CPU work.
  const counted: RunPlan = { ...defaultPlan(1), warmups: quick ? 0 : 1 };
  const targets: ServiceTarget[] = exampleApiBuilt ? ['example-api', 'bare-http'] : ['bare-http'];
  const shutdownTargets: ServiceTarget[] = exampleApiBuilt
    ? ['example-api', 'bare-http', 'bare-http-close']
    : ['bare-http', 'bare-http-close'];

  log('service 1/3: idle RSS');
  const idle = await runMatrix(
    targets.map((t) => cell(t, 'idle-rss')),
    counted,
    log,
  );
  log('service 2/3: SIGTERM with in-flight requests');
  const sigterm = await runMatrix(
    shutdownTargets.map((t) => cell(t, 'sigterm')),
    counted,
    log,
  );
  log(`service 3/3: soak (${SIZES.soakSeconds} s)`);
  const soakResult = exampleApiBuilt ? await soak() : { source: 'example-api is not built' };

  const find = (results: CellResult[], id: string): CellResult | undefined => results.find((r) => r.spec.id === id);
  const na = 'heapwise: not available in this run (services/example-api/dist/main.js missing)';
  const sections: Section[] = [];
  {
    const hw = find(idle, 'example-api/idle-rss');
    const rows = targets.map((t) => {
      const r = find(idle, `${t}/idle-rss`);
      return [
        LABEL[t],
        medianWithRange(r, 'idleRssBytes', (v) => formatMiB(v)),
        t === 'example-api'
          ? '—'
          : exampleApiBuilt
            ? ratioCell(hw?.median.idleRssBytes, r?.median.idleRssBytes, false)
            : na,
      ];
    });
    sections.push({
      title: 'Service 1: idle RSS',
      method:
        `Each server started with plain \`node <script>\` (no flags for either, \`PORT=0\`, logs to stdout), ` +
        `RSS read from \`/proc/<pid>/status\` ${SIZES.idleMs / 1000} s after it printed \`listening on\`, ` +
        'before any request.',
      table: markdownTable(['server', 'idle RSS median (min–max)', 'example-api / this'], rows),
      notes: [
        'example-api loads pino, the Elasticsearch client, ' +
          'the metrics registry with runtime metrics and the memory monitor; the bare server loads nothing. ' +
          'The difference is the price of those features at rest.',
      ],
    });
  }
  {
    const hw = find(sigterm, 'example-api/sigterm');
    const goalMet = (result: typeof hw) => {
      if (result === undefined || result.samples.length === 0) return 'n/a';
      return result.samples.every((s) => s.answered === SIZES.inFlight) ? '**met** in every run' : '**not met**';
    };
    const rows = shutdownTargets.map((t) => {
      const r = find(sigterm, `${t}/sigterm`);
      return [
        LABEL[t],
        medianWithRange(r, 'answered'),
        medianWithRange(r, 'failed'),
        medianWithRange(r, 'exitAfterSigtermMs', (v) => formatFixed(v / 1000, 2, ' s')),
        r === undefined || r.samples.length === 0
          ? 'n/a'
          : `${r.samples.filter((s) => s.killed === 1).length}/${r.samples.length}`,
        t === 'example-api' ? '—' : exampleApiBuilt ? ratioCell(hw?.median.answered, r?.median.answered, true) : na,
        t === 'example-api'
          ? '—'
          : !exampleApiBuilt
            ? na
            : (r?.median.answered ?? 0) < SIZES.inFlight
              ? 'not comparable (it cut the requests off)'
              : ratioCell(hw?.median.exitAfterSigtermMs, r?.median.exitAfterSigtermMs, false),
      ];
    });
    sections.push({
      title: 'Service 2: SIGTERM with 50 in-flight requests',
      method:
        `${SIZES.inFlight} requests to \`/api/slow?ms=${SIZES.requestMs}\` on separate connections; ` +
        `SIGTERM ${300} ms later; time from the signal to the process's exit, ` +
        'and how many requests got a complete 200.',
      table: markdownTable(
        [
          'server',
          'answered',
          'failed',
          'SIGTERM → exit',
          'killed after 15 s',
          'example-api / this (answered)',
          'example-api / this (exit time)',
        ],
        rows,
      ),
      notes: [
        exampleApiBuilt ? `Goal (all ${SIZES.inFlight} answered): ${goalMet(hw)}.` : na,
        `Exit time includes the rest of the ${SIZES.requestMs / 1000} s requests: ` +
          'a graceful stop cannot be faster than its slowest in-flight request. ' +
          'example-api also flushes its logs and stops its metrics and timers before exiting.',
      ],
    });
  }
  {
    const r = soakResult.report;
    const samples = r === undefined ? undefined : Array.isArray(r.samples) ? r.samples.length : r.samples;
    const rows =
      r === undefined
        ? [['example-api', 'n/a', 'n/a', 'n/a', 'n/a', soakResult.source]]
        : [
            [
              'example-api',
              formatCount(r.requests),
              formatCount(samples),
              `${formatFixed(r.slopeBytesPerRequest, 3)} ± ${formatFixed(r.stdErrorBytesPerRequest, 3)}`,
              r.verdict ?? 'n/a',
              r.reason ?? '',
            ],
          ];
    sections.push({
      title: `Service 3: ${SIZES.soakSeconds} s soak`,
      method:
        `${soakResult.source}: the soak runner's own method (warm-up, ` +
        'then heapUsed after a forced GC sampled every second against completed requests; ' +
        `least-squares slope ± standard error). One run: the slope's standard error is its uncertainty, ` +
        'so it is not repeated five times.',
      table: markdownTable(
        ['service', 'requests measured', 'samples', 'heap slope (bytes/request)', 'verdict', 'reason'],
        rows,
      ),
    });
  }

  writeSuite({
    suite: 'service',
    command: 'npm run bench:service',
    environment,
    packages: ['@heapwise/lifecycle', '@heapwise/logger', '@heapwise/metrics', 'autocannon'],
    plan: timed,
    contention: contention.stop(),
    sections,
    raw: { idle, sigterm, soak: soakResult, sizes: SIZES },
  });
}

await main();
