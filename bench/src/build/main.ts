// `npm run bench:build`: a whole `turbo run build typecheck test` over a generated workspace with a
// wide dependency graph (scripts/synthetic-monorepo.mjs), plain turbo against `heapwise turbo`,
// TypeScript 7 and 5.9, at the machine's memory and at simulated smaller limits; plus the wrapper's
// own cost (start-up against `node -e 0`, memory while a task runs) and TypeScript 7's thread flags.
//
//   npm run bench:build                         # 24 packages × 40 files, 3 rounds
//   npm run bench:build -- --quick              # 12 × 10, 1 round, TS 7 at machine + 2g: a few minutes
//   npm run bench:build -- --typescript 7 --limits machine,2g --runs 2
//   # every cell a goal judges, both compilers, about 28 minutes on 2 idle cores (10 with --runs 1):
//   npm run bench:build -- --quick --typescript 7,5.9 --limits machine,2g --threads --runs 3 --startup-runs 15
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  generate,
  linkTypeScript,
  setTaskRunner,
  type GenerateSummary,
  type TaskRunner,
  type TypeScriptVersion,
} from '../../../scripts/synthetic-monorepo.mjs';
import { describeEnvironment, startContentionMonitor } from '../harness/environment.js';
import { writeSuite, type Section } from '../harness/report.js';
import { log } from '../harness/suite.js';
import { median } from '../harness/stats.js';
import { formatFixed, formatMiB, markdownTable, ratioCell } from '../harness/table.js';
import { cleanOutputs, runBuild, TREE_SAMPLE_INTERVAL_MS, type BuildRun } from './run.js';
import { addProbeScript, interleaved, wrapperMemory, type StartupSample } from './wrapper.js';
import type { ProcessMemory } from '@heapwise/node-options';

const repoDir = fileURLToPath(new URL('../../../', import.meta.url));
const GIB = 1024 ** 3;
const FAKE_CGROUP_TEXT =
  'a fake cgroup `memory.max` (HEAPWISE_CGROUP_ROOT), which heapwise reads as the container limit';
const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    typescript: { type: 'string' },
    limits: { type: 'string' },
    packages: { type: 'string' },
    files: { type: 'string' },
    width: { type: 'string' },
    threads: { type: 'boolean' },
    'startup-runs': { type: 'string' },
    cli: { type: 'string' },
    out: { type: 'string' },
  },
});
const quick = options.quick || process.env.BENCH_QUICK === '1';
const rounds = Number(options.runs ?? (quick ? 1 : 3));
const versions = (options.typescript ?? (quick ? '7' : '7,5.9')).split(',') as TypeScriptVersion[];
/** `machine` = no simulated limit; the rest are sizes for `--memory` (or a fake cgroup, see below). */
const limits = (options.limits ?? (quick ? 'machine,2g' : 'machine,1g,2g,4g')).split(',');
const size = {
  packages: Number(options.packages ?? (quick ? 12 : 24)),
  files: Number(options.files ?? (quick ? 10 : 40)),
  width: Number(options.width ?? (quick ? 4 : 6)),
  deps: 3,
  seed: 1,
};
const threadCells = options.threads ?? !quick;
/** `--cli <bin/heapwise.js>` measures another build of the CLI (a release, a branch); default: this checkout's. */
const heapwiseBin =
  options.cli !== undefined
    ? resolve(process.env.INIT_CWD ?? process.cwd(), options.cli)
    : join(repoDir, 'packages', 'node-options', 'bin', 'heapwise.js');
const startupRuns = Number(options['startup-runs'] ?? (quick ? 10 : 20));

function limitBytes(limit: string): number {
  if (limit === 'machine') return os.totalmem();
  const match = /^(\d+)([mg])$/i.exec(limit);
  if (!match) throw new Error(`--limits: '${limit}' is not machine or a size like 2g or 512m`);
  return Number(match[1]) * (match[2].toLowerCase() === 'g' ? GIB : 1024 ** 2);
}

/** Whether this checkout's `heapwise turbo` takes `--memory` (otherwise a fake cgroup stands in). */
function turboTakesMemory(): boolean {
  try {
    const help = execFileSync(process.execPath, [heapwiseBin, 'turbo', '--help'], { encoding: 'utf8' });
    return help.includes('--memory');
  } catch {
    return false;
  }
}

interface CellKey {
  ts: TypeScriptVersion;
  /** plain: `turbo run`; heapwise: `heapwise turbo`. */
  kind: 'plain' | 'requests' | 'learned';
  limit: string;
  /** plain turbo's --concurrency; undefined = turbo's default. */
  concurrency?: number;
  tscFlags?: string;
}

function cellId(key: CellKey): string {
  const what =
    key.kind === 'plain'
      ? `plain turbo${key.concurrency === undefined ? '' : ` --concurrency ${key.concurrency}`}`
      : key.kind === 'requests'
        ? 'heapwise turbo, requests only (cold ledger)'
        : 'heapwise turbo, learned (warm ledger)';
  return `TS ${key.ts} · ${key.limit} · ${what}${key.tscFlags ? ` · tsc ${key.tscFlags}` : ''}`;
}

const results = new Map<string, { key: CellKey; runs: BuildRun[] }>();
function record(key: CellKey, run: BuildRun): void {
  const id = cellId(key);
  const entry = results.get(id) ?? { key, runs: [] };
  entry.runs.push(run);
  results.set(id, entry);
  const status =
    run.exitCode === 0 ? '' : ` EXIT ${run.exitCode}: ${run.outputTail.trim().split('\n').slice(-3).join(' | ')}`;
  log(
    `  ${id}: ${run.wallSeconds.toFixed(1)} s, ${run.cpuSeconds.toFixed(1)} s CPU, ` +
      `PSS ${formatMiB(run.peakPssBytes, 0)}, RSS ${formatMiB(run.peakRssBytes, 0)}, ` +
      `turbo --concurrency ${run.turboConcurrency ?? '?'}, ≤${run.maxRunningTasks} at once, ` +
      `failed ${run.failedTasks}${status}`,
  );
}

/** The environment every cell starts from: none of the caller's heap settings or heapwise state. */
function baseEnv(workspace: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS' || name === 'GOMEMLIMIT' || name.startsWith('HEAPWISE_') || name.startsWith('npm_'))
      continue;
    env[name] = value;
  }
  env.PATH = `${join(workspace, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`;
  env.TURBO_TELEMETRY_DISABLED = '1';
  env.DO_NOT_TRACK = '1';
  return env;
}

async function main(): Promise<void> {
  const environment = describeEnvironment();
  const contention = startContentionMonitor();
  const memoryOption = turboTakesMemory();
  const scratch = mkdtempSync(join(os.tmpdir(), 'heapwise-bench-build-'));
  const workspace = resolve(options.out ?? join(scratch, 'workspace'));
  const generated: GenerateSummary = generate({ out: workspace, ...size });
  const heapwiseLink = join(workspace, 'node_modules', '.bin', 'heapwise');
  rmSync(heapwiseLink, { force: true });
  symlinkSync(heapwiseBin, heapwiseLink);
  log(
    `bench:build: ${generated.packages} packages × ${generated.filesPerPackage} files, ` +
      `${generated.layers} layers of ${generated.width}, ` +
      `${rounds} round(s), TypeScript ${versions.join(' and ')}, limits ${limits.join(', ')}; ` +
      `simulated limits via ${memoryOption ? '--memory' : 'a fake cgroup (HEAPWISE_CGROUP_ROOT)'}`,
  );

  let fresh = 0;
  const freshDir = (name: string): string => join(scratch, `${name}-${(fresh += 1)}`);
  /** heapwise's state for one requests-then-learned pair: its own ledger and admission pool. */
  const heapwiseEnv = (limit: string, ledgerDir: string): NodeJS.ProcessEnv => {
    const env = baseEnv(workspace);
    env.HEAPWISE_LEDGER = join(ledgerDir, 'ledger.json');
    // The admission pool is machine-wide by default; the bench gives each pair its own, so that other
    // builds on a shared machine neither wait for it nor make it wait.
    env.HEAPWISE_POOL_DIR = join(ledgerDir, 'pool');
    if (limit !== 'machine' && !memoryOption) {
      const cgroup = join(ledgerDir, 'cgroup');
      execFileSync('mkdir', ['-p', cgroup]);
      execFileSync('sh', ['-c', `printf '%s\\n' ${limitBytes(limit)} > '${join(cgroup, 'memory.max')}'`]);
      env.HEAPWISE_CGROUP_ROOT = cgroup;
    }
    return env;
  };
  const turboArgs = ['build', 'typecheck', 'test', '--force', '--output-logs=errors-only'];
  const timeoutMs = 20 * 60_000;

  async function plain(ts: TypeScriptVersion, concurrency: number | undefined, limit: string, tscFlags = '') {
    setTaskRunner(workspace, 'plain' satisfies TaskRunner, tscFlags);
    cleanOutputs(workspace);
    const args = ['run', ...turboArgs, ...(concurrency === undefined ? [] : ['--concurrency', String(concurrency)])];
    const run = await runBuild('turbo', args, { cwd: workspace, env: baseEnv(workspace), timeoutMs });
    record({ ts, kind: 'plain', limit, concurrency, tscFlags }, run);
    return run;
  }
  async function heapwise(
    ts: TypeScriptVersion,
    kind: 'requests' | 'learned',
    limit: string,
    env: NodeJS.ProcessEnv,
    tscFlags = '',
  ) {
    setTaskRunner(workspace, 'heapwise', tscFlags);
    cleanOutputs(workspace);
    const memoryArgs = limit !== 'machine' && memoryOption ? ['--memory', limit] : [];
    const run = await runBuild('heapwise', ['turbo', ...turboArgs, ...memoryArgs], { cwd: workspace, env, timeoutMs });
    record({ ts, kind, limit, tscFlags }, run);
    return run;
  }

  for (let round = 0; round < rounds; round += 1) {
    for (const ts of versions) {
      log(`round ${round + 1}/${rounds}, TypeScript ${ts}`);
      linkTypeScript(workspace, ts);
      await plain(ts, undefined, 'machine');
      const heapwiseConcurrency = new Map<number, string>();
      let machineEnv: NodeJS.ProcessEnv | undefined;
      for (const limit of limits) {
        const env = heapwiseEnv(limit, freshDir('heapwise'));
        if (limit === 'machine') machineEnv = env;
        const cold = await heapwise(ts, 'requests', limit, env);
        await heapwise(ts, 'learned', limit, env);
        if (cold.turboConcurrency !== undefined && !heapwiseConcurrency.has(cold.turboConcurrency))
          heapwiseConcurrency.set(cold.turboConcurrency, limit);
      }
      // Plain turbo at each concurrency heapwise chose: the wrapper's own cost, isolated.
      for (const concurrency of [...heapwiseConcurrency.keys()].sort()) await plain(ts, concurrency, 'machine');
      if (threadCells && ts === '7') {
        const concurrency = [...heapwiseConcurrency.keys()].sort().at(-1) ?? 2;
        for (const flags of ['--singleThreaded', '--checkers 2']) await plain(ts, concurrency, 'machine', flags);
        // TypeScript's own default written out: heapwise leaves the threads of a command that sets them
        // alone. Same warm ledger as the learned cell at the machine's memory.
        if (machineEnv !== undefined) await heapwise(ts, 'learned', 'machine', machineEnv, '--checkers 4');
      }
    }
  }

  log('wrapper start-up: heapwise run build -- true vs node -e 0');
  const startupEnv = heapwiseEnv('machine', freshDir('startup'));
  const [nodeSamples, heapwiseSamples] = await interleaved(
    [
      ['-e', '0'],
      [heapwiseBin, 'run', 'build', '--', 'true'],
    ],
    startupRuns,
    { cwd: workspace, env: startupEnv },
  );
  // Interleaved: under `npm run` (as turbo starts every task), then alone.
  addProbeScript(workspace);
  const memories: { underNpm: ProcessMemory[]; alone: ProcessMemory[] } = { underNpm: [], alone: [] };
  for (let run = 0; run < (quick ? 3 : 5); run += 1) {
    for (const underNpm of [true, false]) {
      const memory = await wrapperMemory(heapwiseBin, {
        cwd: workspace,
        env: heapwiseEnv('machine', freshDir('memory')),
        underNpm,
      });
      if (memory) memories[underNpm ? 'underNpm' : 'alone'].push(memory);
    }
  }

  const nodeStartCpuMs = median(nodeSamples.map((sample) => sample.cpuMs));
  const sections = buildSections(memoryOption, nodeStartCpuMs);
  sections.push(startupSection(nodeSamples, heapwiseSamples));
  sections.push(wrapperMemorySection(memories));
  writeSuite({
    suite: 'build',
    command: ['npm run bench:build', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    environment,
    packages: ['turbo', 'typescript', 'typescript-5.9', '@heapwise/node-options'],
    plan: { runs: rounds, warmups: 0, concurrency: 1 },
    contention: contention.stop(),
    sections,
    raw: {
      size: generated,
      limits,
      memoryOption,
      cells: [...results.values()].map(({ key, runs }) => ({
        key,
        runs: runs.map(({ outputTail, ...rest }) => ({ ...rest, outputTail: rest.exitCode === 0 ? '' : outputTail })),
      })),
      startup: { node: nodeSamples, heapwise: heapwiseSamples },
      wrapperMemory: memories,
    },
  });
  rmSync(scratch, { recursive: true, force: true });

  /** `nodeStartCpuMs`: CPU of one `node -e 0` (Build 4), the floor of a wrapper that is a Node process. */
  function buildSections(memoryOptionUsed: boolean, nodeStartCpuMs: number): Section[] {
    const out: Section[] = [];
    for (const ts of versions) {
      const rows: string[][] = [];
      const get = (key: CellKey) => results.get(cellId(key));
      const plainDefault = get({ ts, kind: 'plain', limit: 'machine' });
      const goals: string[] = [];
      for (const limit of limits) {
        const bytes = limitBytes(limit);
        const requests = get({ ts, kind: 'requests', limit });
        const learned = get({ ts, kind: 'learned', limit });
        const concurrency = median(requests?.runs.map((r) => r.turboConcurrency ?? Number.NaN) ?? []);
        const plainSame = get({ ts, kind: 'plain', limit: 'machine', concurrency });
        const machineConcurrency = median(
          get({ ts, kind: 'requests', limit: 'machine' })?.runs.map((r) => r.turboConcurrency ?? Number.NaN) ?? [],
        );
        const cells: [string, typeof requests][] = [];
        if (limit === 'machine') cells.push(['plain `turbo run` (turbo default concurrency)', plainDefault]);
        // At a limit, plain turbo at heapwise's concurrency only when that differs from the machine's row.
        if (limit === 'machine' || (plainSame !== undefined && concurrency !== machineConcurrency))
          cells.push([`plain \`turbo run --concurrency ${concurrency}\` (heapwise's)`, plainSame]);
        cells.push(['`heapwise turbo`, requests only (cold ledger)', requests]);
        cells.push(['`heapwise turbo`, learned (warm ledger)', learned]);
        for (const [label, entry] of cells) {
          if (entry === undefined) continue;
          rows.push(row(limit, label, entry.runs, bytes, entry.key.kind !== 'plain'));
        }
        if (requests && learned) {
          const ratioWall = med(learned.runs, 'wallSeconds') / med(requests.runs, 'wallSeconds');
          const ratioPeak = med(learned.runs, 'peakPssBytes') / med(requests.runs, 'peakPssBytes');
          const serial = med(requests.runs, 'maxRunningTasks') <= 1;
          rows.push([
            limit,
            `learned / requests only`,
            '',
            '',
            ratioCell(med(learned.runs, 'peakPssBytes'), med(requests.runs, 'peakPssBytes'), false),
            ratioCell(med(learned.runs, 'peakRssBytes'), med(requests.runs, 'peakRssBytes'), false),
            ratioCell(med(learned.runs, 'wallSeconds'), med(requests.runs, 'wallSeconds'), false),
            ratioCell(med(learned.runs, 'cpuSeconds'), med(requests.runs, 'cpuSeconds'), false),
            '',
            '',
          ]);
          if (limit !== 'machine' && serial)
            goals.push(
              `Goal (TS ${ts}, ${limit}, where requests-only runs one task at a time: ` +
                `learned wall ≤ 0.8× requests-only): ${ratioWall <= 0.8 ? 'met' : '**not met**'} ` +
                `(${ratioWall.toFixed(2)}×; peak PSS ${ratioPeak.toFixed(2)}×).`,
            );
          const over = [...requests.runs, ...learned.runs].filter((r) => r.peakRssBytes > bytes).length;
          if (limit !== 'machine')
            goals.push(
              `Goal (TS ${ts}, ${limit}: peak tree RSS ≤ the limit in every heapwise run): ` +
                `${over === 0 ? 'met' : `**not met** (${over} run(s) above)`}.`,
            );
        }
        if (limit === 'machine' && plainDefault && learned) {
          rows.push([
            limit,
            'learned / plain `turbo run`',
            '',
            '',
            ratioCell(med(learned.runs, 'peakPssBytes'), med(plainDefault.runs, 'peakPssBytes'), false),
            ratioCell(med(learned.runs, 'peakRssBytes'), med(plainDefault.runs, 'peakRssBytes'), false),
            ratioCell(med(learned.runs, 'wallSeconds'), med(plainDefault.runs, 'wallSeconds'), false),
            ratioCell(med(learned.runs, 'cpuSeconds'), med(plainDefault.runs, 'cpuSeconds'), false),
            '',
            '',
          ]);
          const peak = med(learned.runs, 'peakPssBytes') / med(plainDefault.runs, 'peakPssBytes');
          const wall = med(learned.runs, 'wallSeconds') / med(plainDefault.runs, 'wallSeconds');
          goals.push(
            `Goal (TS ${ts}, machine memory: learned vs plain turbo peak ≤ 0.5× at wall ≤ 1.1×): ` +
              `${peak <= 0.5 && wall <= 1.1 ? 'met' : '**not met**'} ` +
              `(peak PSS ${peak.toFixed(2)}×, wall ${wall.toFixed(2)}×).`,
          );
        }
        if (limit === 'machine' && plainSame && requests) {
          rows.push([
            limit,
            `requests only / plain at the same concurrency (the wrapper's cost)`,
            '',
            '',
            ratioCell(med(requests.runs, 'peakPssBytes'), med(plainSame.runs, 'peakPssBytes'), false),
            ratioCell(med(requests.runs, 'peakRssBytes'), med(plainSame.runs, 'peakRssBytes'), false),
            ratioCell(med(requests.runs, 'wallSeconds'), med(plainSame.runs, 'wallSeconds'), false),
            ratioCell(med(requests.runs, 'cpuSeconds'), med(plainSame.runs, 'cpuSeconds'), false),
            '',
            '',
          ]);
          const wall = med(requests.runs, 'wallSeconds') / med(plainSame.runs, 'wallSeconds');
          const tasks = med(requests.runs, 'tasksTotal');
          const extraCpuMs = ((med(requests.runs, 'cpuSeconds') - med(plainSame.runs, 'cpuSeconds')) * 1000) / tasks;
          goals.push(
            `Goal (TS ${ts}: \`heapwise turbo\` vs plain turbo at the same concurrency ≤ 1.03× wall): ` +
              `${wall <= 1.03 ? 'met' : '**not met**'} (${wall.toFixed(2)}×; ` +
              `${extraCpuMs.toFixed(0)} ms more CPU per task over ${tasks} tasks, of which ` +
              `${nodeStartCpuMs.toFixed(0)} ms is one Node start-up: \`node -e 0\` in Build 4).`,
          );
        }
      }
      const heapwiseRuns = [...results.values()]
        .filter((e) => e.key.ts === ts && e.key.kind !== 'plain')
        .flatMap((e) => e.runs);
      const failed = heapwiseRuns.reduce(
        (sum, r) => sum + (Number.isFinite(r.failedTasks) ? r.failedTasks : r.tasksTotal || 1),
        0,
      );
      goals.push(
        `Goal (TS ${ts}: no failed task in any heapwise run): ` +
          `${failed === 0 ? 'met' : `**not met** (${failed} failed)`}.`,
      );
      out.push({
        title: `Build ${ts === '7' ? 1 : 2}: \`turbo run build typecheck test\`, TypeScript ${ts}`,
        method:
          `A generated workspace (scripts/synthetic-monorepo.mjs): ${generated.packages} packages × ` +
          `${generated.filesPerPackage} files, ${generated.layers} layers of ${generated.width} packages ` +
          `(each depends on ${generated.depsPerPackage} in earlier layers), tasks build (\`tsc -b\`), ` +
          `typecheck (\`tsc -p tsconfig.test.json\`, no emit) and test (\`node --test\` on the built output), ` +
          `requests from this repository's .node-options (build 4096, typecheck 3072, test 2048 MB). ` +
          `Every run is \`--force\` with dist/ deleted. Peak memory is of the whole process tree (turbo, npm, ` +
          `wrappers, compilers, tests), sampled every ${TREE_SAMPLE_INTERVAL_MS} ms: **PSS** (summed ` +
          `/proc/PID/smaps_rollup, shared pages divided among the processes that map them; close to what a ` +
          `cgroup charges) and **RSS** (summed, shared pages counted once per process). "At once" is the most ` +
          `task commands (tsc, node --test) seen running together. A simulated limit is ` +
          `${memoryOptionUsed ? '`heapwise turbo --memory <size>`' : FAKE_CGROUP_TEXT}; ` +
          `the machine itself has ${formatMiB(os.totalmem(), 0)}, so plain turbo is not limited and runs once. ` +
          `Each requests/learned pair has its own ledger (HEAPWISE_LEDGER) and admission pool ` +
          `(HEAPWISE_POOL_DIR): requests only is the pair's first run, learned its second. ` +
          `Median of ${rounds} round(s) (min–max); cells interleaved round by round.`,
        table: markdownTable(
          [
            'memory',
            'cell',
            'turbo --concurrency',
            'tasks at once (max)',
            'peak tree PSS',
            'peak tree RSS',
            'wall s',
            'CPU s',
            'failed tasks',
            'peak RSS ≤ limit',
          ],
          rows,
        ),
        notes: goals,
      });
    }
    if (threadCells && versions.includes('7')) out.push(threadSection());
    return out;
  }

  function threadSection(): Section {
    const rows: string[][] = [];
    const entries = [...results.values()].filter((e) => e.key.ts === '7' && e.key.limit === 'machine');
    const plainDefault = entries.find(
      (e) => e.key.kind === 'plain' && e.key.concurrency !== undefined && !e.key.tscFlags,
    );
    for (const e of entries) {
      if (e.key.kind === 'plain' && e.key.concurrency === undefined) continue;
      const runner =
        e.key.kind === 'plain'
          ? `plain \`turbo run --concurrency ${e.key.concurrency}\``
          : e.key.kind === 'requests'
            ? '`heapwise turbo` requests only'
            : '`heapwise turbo` learned';
      const threads = e.key.tscFlags
        ? `\`tsc ${e.key.tscFlags}\``
        : e.key.kind === 'plain'
          ? 'TypeScript default (4 checkers)'
          : "heapwise's thread rule";
      const label = `${runner} · ${threads}`;
      rows.push([
        label,
        medianWithRangeOf(e.runs, 'peakPssBytes', (v) => formatMiB(v, 0)),
        medianWithRangeOf(e.runs, 'wallSeconds', (v) => formatFixed(v, 1)),
        medianWithRangeOf(e.runs, 'cpuSeconds', (v) => formatFixed(v, 1)),
        // Plain ratios, no verdict: most rows here are not heapwise at all.
        plainDefault && e !== plainDefault
          ? `${(med(e.runs, 'peakPssBytes') / med(plainDefault.runs, 'peakPssBytes')).toFixed(2)}×`
          : '—',
        plainDefault && e !== plainDefault
          ? `${(med(e.runs, 'wallSeconds') / med(plainDefault.runs, 'wallSeconds')).toFixed(2)}×`
          : '—',
      ]);
    }
    const rule = entries.find((e) => e.key.kind === 'learned' && !e.key.tscFlags);
    const explicit = entries.find((e) => e.key.kind === 'learned' && e.key.tscFlags === '--checkers 4');
    const notes: string[] = [];
    if (rule && explicit) {
      const wall = med(rule.runs, 'wallSeconds') / med(explicit.runs, 'wallSeconds');
      const peak = med(rule.runs, 'peakPssBytes') / med(explicit.runs, 'peakPssBytes');
      notes.push(
        "Goal (TS 7 thread rule vs TypeScript's default threads, both `heapwise turbo` learned: " +
          `never more than 10 % slower): ${wall <= 1.1 ? 'met' : '**not met**'} ` +
          `(wall ${wall.toFixed(2)}×, peak PSS ${peak.toFixed(2)}×).`,
      );
    }
    return {
      notes,
      title: 'Build 3: TypeScript 7 thread flags in a whole build',
      method:
        "The same workspace and tasks under TypeScript 7 at the machine's memory: plain turbo at heapwise's " +
        'concurrency with thread flags added to both tsc commands, and `heapwise turbo` with its own thread ' +
        "rule against the same with `--checkers 4` written out (TypeScript's default; heapwise does not touch " +
        'a command that sets a thread flag). Ratios against plain turbo at the same concurrency with ' +
        "TypeScript's defaults.",
      table: markdownTable(['cell', 'peak tree PSS', 'wall s', 'CPU s', 'PSS / default', 'wall / default'], rows),
    };
  }

  function row(limit: string, label: string, runs: BuildRun[], bytes: number, heapwiseCell: boolean): string[] {
    const over = runs.filter((r) => r.peakRssBytes > bytes).length;
    return [
      limit === 'machine' ? `machine (${formatMiB(os.totalmem(), 0)})` : limit,
      label,
      runs.every((r) => r.turboConcurrency === undefined)
        ? "turbo's default (10)"
        : medianWithRangeOf(runs, 'turboConcurrency', (v) => formatFixed(v, 0)),
      medianWithRangeOf(runs, 'maxRunningTasks', (v) => formatFixed(v, 0)),
      medianWithRangeOf(runs, 'peakPssBytes', (v) => formatMiB(v, 0)),
      medianWithRangeOf(runs, 'peakRssBytes', (v) => formatMiB(v, 0)),
      medianWithRangeOf(runs, 'wallSeconds', (v) => formatFixed(v, 1)),
      medianWithRangeOf(runs, 'cpuSeconds', (v) => formatFixed(v, 1)),
      String(runs.reduce((sum, r) => sum + (Number.isFinite(r.failedTasks) ? r.failedTasks : 0), 0)) +
        (runs.some((r) => r.exitCode !== 0) ? ` (exit ≠ 0 in ${runs.filter((r) => r.exitCode !== 0).length})` : ''),
      limit === 'machine'
        ? '—'
        : over === 0
          ? 'yes'
          : heapwiseCell
            ? `**no** (${over}/${runs.length})`
            : `no (${over}/${runs.length})`,
    ];
  }
}

function med(runs: BuildRun[], key: keyof BuildRun): number {
  return median(runs.map((r) => Number(r[key])).filter(Number.isFinite));
}

function medianWithRangeOf(runs: BuildRun[], key: keyof BuildRun, format: (value: number) => string): string {
  const values = runs.map((r) => Number(r[key])).filter(Number.isFinite);
  if (values.length === 0) return 'n/a';
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min === max ? format(median(values)) : `${format(median(values))} (${format(min)}–${format(max)})`;
}

function startupSection(nodeSamples: StartupSample[], heapwiseSamples: StartupSample[]): Section {
  const stat = (samples: StartupSample[], key: 'wallMs' | 'cpuMs') => {
    const values = samples.map((s) => s[key]);
    return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
  };
  const cell = (s: { median: number; min: number; max: number }) =>
    `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
  const nodeWall = stat(nodeSamples, 'wallMs');
  const heapwiseWall = stat(heapwiseSamples, 'wallMs');
  const nodeCpu = stat(nodeSamples, 'cpuMs');
  const heapwiseCpu = stat(heapwiseSamples, 'cpuMs');
  const ratio = heapwiseWall.median / nodeWall.median;
  const failures = heapwiseSamples.filter((s) => s.exitCode !== 0).length;
  return {
    title: "Build 4: the wrapper's start-up per task",
    method:
      `\`node packages/node-options/bin/heapwise.js run build -- true\` against \`node -e 0\`, ` +
      `${nodeSamples.length} of each, interleaved after one discarded round, in the generated workspace ` +
      '(its .node-options, a fresh ledger and pool). Wall from spawn to exit; CPU = user + system of the ' +
      `process and its children. Node ${process.version}.`,
    table: markdownTable(
      ['command', 'wall ms median (min–max)', 'CPU ms median (min–max)', 'wall / node -e 0', 'extra wall per task'],
      [
        ['`node -e 0`', cell(nodeWall), cell(nodeCpu), '—', '—'],
        [
          '`heapwise run build -- true`',
          cell(heapwiseWall),
          cell(heapwiseCpu),
          `${ratio.toFixed(2)}×`,
          `${(heapwiseWall.median - nodeWall.median).toFixed(0)} ms`,
        ],
      ],
    ),
    notes: [
      `Goal (\`heapwise run <task> -- true\` ≤ 1.25× \`node -e 0\`, median wall): ` +
        `${ratio <= 1.25 ? 'met' : '**not met**'} (${ratio.toFixed(2)}×)` +
        `${failures > 0 ? `; ${failures} run(s) exited non-zero` : ''}.`,
    ],
  };
}

function wrapperMemorySection(memories: { underNpm: ProcessMemory[]; alone: ProcessMemory[] }): Section {
  const values = (list: ProcessMemory[], key: keyof ProcessMemory): number[] => list.map((m) => m[key]);
  const cell = (list: number[]) =>
    list.length === 0
      ? 'n/a'
      : `${formatMiB(median(list))} (${formatMiB(Math.min(...list))}–${formatMiB(Math.max(...list))})`;
  const row = (label: string, list: ProcessMemory[]) => [
    label,
    cell(values(list, 'privateBytes')),
    cell(values(list, 'pssBytes')),
    cell(values(list, 'rssBytes')),
  ];
  const privateMiB = median(values(memories.underNpm, 'privateBytes')) / 1048576;
  const pssMiB = median(values(memories.underNpm, 'pssBytes')) / 1048576;
  const wrapperRuns = [...results.values()].filter((e) => e.key.kind !== 'plain').flatMap((e) => e.runs);
  const inBuilds = wrapperRuns.flatMap((r) => r.wrapperPrivateBytes);
  const inBuildsPss = wrapperRuns.flatMap((r) => r.wrapperPssBytes);
  const medianAndMax = (list: number[]) =>
    list.length === 0 ? 'n/a' : `${formatMiB(median(list))}, ${formatMiB(Math.max(...list))}`;
  const verdict = privateMiB <= 12 && pssMiB <= 16 ? 'met' : '**not met**';
  return {
    title: 'Build 5: memory of a running wrapper',
    method:
      '`heapwise run build -- sleep 3` in the generated workspace, sampled (smaps_rollup) five times from ' +
      '0.5 s after `sleep` started; the largest sample per run, median over the runs (min–max), interleaved. ' +
      'Under `npm run`: a root script, started as turbo starts every task (npm, a Node process too, stays ' +
      "while its script runs and shares the node binary's pages with the wrapper). Alone: spawned by this " +
      "bench, so the binary's pages are divided among fewer processes and its PSS is larger; private memory " +
      'does not depend on that. "In the builds" is the largest figure of each wrapper seen while its task ' +
      `ran in the \`heapwise turbo\` cells above (${inBuilds.length} wrappers).`,
    table: markdownTable(
      ['where', 'private (Private_Clean + Private_Dirty)', 'PSS', 'RSS'],
      [
        row('`npm run` → `heapwise run build -- sleep 3`', memories.underNpm),
        row('`heapwise run build -- sleep 3` alone', memories.alone),
        ['wrappers in the builds (median, max)', medianAndMax(inBuilds), medianAndMax(inBuildsPss), '—'],
      ],
    ),
    notes: [
      'Goal (a running wrapper, under `npm run` as every task runs: private ≤ 12 MiB, PSS ≤ 16 MiB): ' +
        `${verdict} (private ${privateMiB.toFixed(1)} MiB, PSS ${pssMiB.toFixed(1)} MiB).`,
    ],
  };
}

await main();
