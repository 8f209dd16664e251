#!/usr/bin/env node
// bench:tsc — build memory of a synthetic monorepo (scripts/synthetic-monorepo.mjs) under
// TypeScript 7 and 5.9: one plain program vs project references with the presets, each
// memory flag on/off, and the runtime knobs of each compiler. Peak RSS of the whole process
// tree (sampled every 50 ms), CPU and wall time; median of fresh processes per cell.
//
//   npm run bench:tsc                      # the rules: 24×80 files, 5 runs + 1 warm-up per cell
//   npm run bench:tsc -- --quick           # 24×20 files, 1 run, no warm-up (a smoke number)
//   npm run bench:tsc -- --cells 'refs|heap' --runs 3 --readme packages/tsconfig/README.md
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '@heapwise/testkit';
import { apiChangeFile, defaultParameters, generate, variantFileName } from '../../scripts/synthetic-monorepo.mjs';
import { measure, sampleIntervalMs } from './process-tree.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(repoRoot, 'package.json'));

/** Markers between which --readme writes the results table (`--section` names them). */
const readmeMarkers = (section) => [`<!-- bench:${section}:start -->`, `<!-- bench:${section}:end -->`];

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    warmup: { type: 'string' },
    packages: { type: 'string' },
    files: { type: 'string' },
    heaps: { type: 'string' },
    'go-mem-limits': { type: 'string' },
    cells: { type: 'string' },
    out: { type: 'string', default: join(tmpdir(), 'heapwise-bench-tsc') },
    readme: { type: 'string' },
    section: { type: 'string', default: 'tsc' },
    list: { type: 'boolean', default: false },
  },
});

// The rules (bench/README): at least 5 fresh processes per cell after a warm-up.
const runs = Number(options.runs ?? (options.quick ? 1 : 5));
const warmupRuns = Number(options.warmup ?? (options.quick ? 0 : 1));
const parameters = {
  packages: Number(options.packages ?? defaultParameters.packages),
  files: Number(options.files ?? (options.quick ? 20 : defaultParameters.files)),
  deps: defaultParameters.deps,
  seed: defaultParameters.seed,
};
/** --max-old-space-size values (MB) tried for 5.9 to find where the CPU curve bends. */
const heapSizesMb = (options.heaps ?? (options.quick ? '256,384,512,1024' : '512,768,1024,1536,2048'))
  .split(',')
  .map(Number);

/** GOMEMLIMIT values tried for 7 besides the fitted budget: a limit acts only below the peak. */
const goMemLimits = (options['go-mem-limits'] ?? (options.quick ? '256MiB,1GiB' : '1GiB')).split(',');

const compilers = {
  7: { bin: join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc') },
  5.9: { bin: join(dirname(require.resolve('typescript-5.9/package.json')), 'bin', 'tsc') },
};
const versionOf = (name) => JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;

/** The fitted build budget heapwise would export as GOMEMLIMIT on this machine. */
function fittedGoMemLimit() {
  try {
    const json = execFileSync(
      process.execPath,
      [join(repoRoot, 'packages/node-options/bin/heapwise.js'), 'print', 'build', '--format', 'json'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
      },
    );
    return JSON.parse(json).goMemLimit;
  } catch {
    return undefined;
  }
}
const goMemLimit = fittedGoMemLimit();

const editorFlagsOff = {
  disableReferencedProjectLoad: false,
  disableSourceOfProjectReferenceRedirect: false,
  disableSolutionSearching: false,
};

/**
 * A cell: compiler, project (single program or references), kind (full build, or an
 * incremental rebuild after an API change), tsconfig variant, Node flags, tsc flags, env.
 */
const cells = [
  { id: '7 single', ts: '7', project: 'single', note: 'plain: one program, @tsconfig/node20 only' },
  { id: '7 refs', ts: '7', project: 'refs', note: 'tsc -b, presets (library.json)' },
  { id: '7 refs skipLibCheck=false', ts: '7', project: 'refs', variant: { skipLibCheck: false } },
  { id: '7 refs types=[]', ts: '7', project: 'refs', variant: { types: [] } },
  { id: '7 refs disable*=false', ts: '7', project: 'refs', variant: editorFlagsOff },
  { id: '7 rebuild', ts: '7', project: 'refs', kind: 'rebuild', note: 'incremental tsc -b after an API change' },
  {
    id: '7 rebuild assumeChanges',
    ts: '7',
    project: 'refs',
    kind: 'rebuild',
    variant: { assumeChangesOnlyAffectDirectDependencies: true },
  },
  ...(goMemLimit
    ? [
        {
          id: `7 refs GOMEMLIMIT=${goMemLimit}`,
          ts: '7',
          project: 'refs',
          env: { GOMEMLIMIT: goMemLimit },
          note: 'fitted build budget',
        },
      ]
    : []),
  ...goMemLimits.map((limit) => ({
    id: `7 refs GOMEMLIMIT=${limit}`,
    ts: '7',
    project: 'refs',
    env: { GOMEMLIMIT: limit },
  })),
  // TypeScript 7's threads: 4 checkers per project by default, several projects at once under -b.
  // These cells are what heapwise's thread rule (node-options) is chosen from.
  { id: '7 refs --checkers 1', ts: '7', project: 'refs', tscArgs: ['--checkers', '1'] },
  { id: '7 refs --checkers 2', ts: '7', project: 'refs', tscArgs: ['--checkers', '2'] },
  { id: '7 refs --builders 1', ts: '7', project: 'refs', tscArgs: ['--builders', '1'] },
  { id: '7 refs --checkers 1 --builders 1', ts: '7', project: 'refs', tscArgs: ['--checkers', '1', '--builders', '1'] },
  { id: '7 refs --checkers 2 --builders 1', ts: '7', project: 'refs', tscArgs: ['--checkers', '2', '--builders', '1'] },
  { id: '7 refs --singleThreaded', ts: '7', project: 'refs', tscArgs: ['--singleThreaded'] },
  { id: '5.9 single', ts: '5.9', project: 'single', note: 'plain: one program, @tsconfig/node20 only' },
  { id: '5.9 refs', ts: '5.9', project: 'refs', note: "tsc -b, presets, Node's default heap" },
  { id: '5.9 refs skipLibCheck=false', ts: '5.9', project: 'refs', variant: { skipLibCheck: false } },
  { id: '5.9 refs types=[]', ts: '5.9', project: 'refs', variant: { types: [] } },
  { id: '5.9 refs types unset', ts: '5.9', project: 'refs', variant: { types: null }, note: 'every @types package' },
  { id: '5.9 refs disable*=false', ts: '5.9', project: 'refs', variant: editorFlagsOff },
  { id: '5.9 rebuild', ts: '5.9', project: 'refs', kind: 'rebuild', note: 'incremental tsc -b after an API change' },
  {
    id: '5.9 rebuild assumeChanges',
    ts: '5.9',
    project: 'refs',
    kind: 'rebuild',
    variant: { assumeChangesOnlyAffectDirectDependencies: true },
  },
  ...heapSizesMb.map((mb) => ({
    id: `5.9 refs heap=${mb}`,
    ts: '5.9',
    project: 'refs',
    nodeArgs: [`--max-old-space-size=${mb}`],
  })),
  { id: '5.9 refs --optimize-for-size', ts: '5.9', project: 'refs', nodeArgs: ['--optimize-for-size'] },
].filter((cell) => !options.cells || new RegExp(options.cells).test(cell.id));

if (options.list) {
  for (const cell of cells) console.log(cell.id);
  process.exit(0);
}

const out = resolve(process.env.INIT_CWD ?? process.cwd(), options.out);

function commandOf(cell) {
  const projectArgs = cell.project === 'single' ? ['-p', 'tsconfig.single.json'] : ['-b'];
  return [...(cell.nodeArgs ?? []), compilers[cell.ts].bin, ...projectArgs, ...(cell.tscArgs ?? [])];
}

function envOf(cell) {
  // A clean environment: no inherited heap flags or Go limit unless the cell sets them.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.GOMEMLIMIT;
  return { ...env, ...(cell.env ?? {}) };
}

function clean() {
  rmSync(join(out, 'single-dist'), { recursive: true, force: true });
  for (const pkg of readdirSync(join(out, 'packages')))
    rmSync(join(out, 'packages', pkg, 'dist'), { recursive: true, force: true });
}

function writeVariant(cell) {
  writeFileSync(join(out, variantFileName), `${JSON.stringify({ compilerOptions: cell.variant ?? {} }, null, 2)}\n`);
}

const apiChangePath = () => join(out, apiChangeFile);

/** One fresh measured process for `cell` (a rebuild first builds, unmeasured, then edits). */
async function runOnce(cell) {
  writeVariant(cell);
  clean();
  const original = readFileSync(apiChangePath(), 'utf8');
  try {
    if (cell.kind === 'rebuild') {
      const first = await measure(process.execPath, commandOf(cell), { cwd: out, env: envOf(cell) });
      if (first.exitCode !== 0) return first;
      // The API change: a new field on a value dependents inline into their .d.ts.
      writeFileSync(apiChangePath(), original.replace(/retries: (\d+),/, 'retries: $1,\n  addedField: "x",'));
    }
    return await measure(process.execPath, commandOf(cell), { cwd: out, env: envOf(cell) });
  } finally {
    writeFileSync(apiChangePath(), original);
  }
}

const mb = (bytes) => bytes / (1024 * 1024);
const formatLoad = (loads) => loads.map((l) => l.toFixed(1)).join(' ');

async function main() {
  const startedAt = new Date();
  const loadBefore = loadavg();
  const generated = generate({ out, ...parameters });
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  const header = [
    `bench:tsc — ${startedAt.toISOString()}`,
    `Node ${process.version}, TypeScript ${versionOf('typescript')} and ${versionOf('typescript-5.9')}, ` +
      `${availableParallelism()} CPUs (${cpuModel})`,
    `synthetic monorepo: ${generated.packages} packages × ${generated.filesPerPackage} files (+ barrels) = ` +
      `${generated.sourceFiles} files, ${generated.sourceLines} lines, ${generated.referenceEdges} references, ` +
      `seed ${generated.seed}`,
    `runs per cell: ${runs} (median), warm-up runs per cell: ${warmupRuns}; ` +
      `RSS = summed RSS of the process tree sampled every ${sampleIntervalMs} ms; CPU = user+sys of the tree`,
    `fitted GOMEMLIMIT (heapwise print build): ${goMemLimit ?? 'unavailable'}; ` +
      `load average at start ${formatLoad(loadBefore)}`,
  ];
  for (const line of header) console.log(line);
  if (runs < 5 || warmupRuns < 1)
    console.log('NOTE: fewer than 5 runs or no warm-up: below the bench rules, a smoke figure only.');

  const results = new Map(cells.map((cell) => [cell.id, []]));
  for (let warm = 0; warm < warmupRuns; warm += 1) for (const cell of cells) await runOnce(cell);
  // Round-robin over cells, so load from other work on the machine spreads over all of them.
  for (let run = 0; run < runs; run += 1) {
    for (const cell of cells) {
      const result = await runOnce(cell);
      results.get(cell.id).push(result);
      const status =
        result.exitCode === 0
          ? ''
          : ` exit ${result.exitCode ?? result.signal}: ${result.output.trim().split('\n').slice(-2).join(' | ')}`;
      console.error(
        `  run ${run + 1}/${runs} ${cell.id}: ${mb(result.peakRssBytes).toFixed(0)} MB, ` +
          `${result.cpuSeconds.toFixed(1)} s CPU, ${result.wallSeconds.toFixed(1)} s wall${status}`,
      );
    }
  }

  const summary = new Map();
  for (const cell of cells) {
    const list = results.get(cell.id);
    summary.set(cell.id, {
      rssMb: median(list.map((r) => mb(r.peakRssBytes))),
      minRssMb: Math.min(...list.map((r) => mb(r.peakRssBytes))),
      maxRssMb: Math.max(...list.map((r) => mb(r.peakRssBytes))),
      cpuSeconds: median(list.map((r) => r.cpuSeconds)),
      wallSeconds: median(list.map((r) => r.wallSeconds)),
      failures: list.filter((r) => r.exitCode !== 0).length,
    });
  }
  const ratio = (value, base) => (base ? `${(value / base).toFixed(2)}×` : '–');
  const headings = [
    ...['cell', 'command', 'peak RSS MB (min–max)', 'CPU s', 'wall s'],
    ...['RSS / plain', 'CPU / plain', 'RSS / refs', 'failed runs', 'note'],
  ];
  const rows = [`| ${headings.join(' | ')} |`, `|${' --- |'.repeat(headings.length)}`];
  for (const cell of cells) {
    const s = summary.get(cell.id);
    const plain = summary.get(`${cell.ts} single`);
    const refs = summary.get(`${cell.ts} refs`);
    const env = Object.entries(cell.env ?? {})
      .map(([k, v]) => `${k}=${v} `)
      .join('');
    const variant = cell.variant ? ` (${variantFileName}: ${JSON.stringify(cell.variant)})` : '';
    const node = cell.nodeArgs?.length ? `node ${cell.nodeArgs.join(' ')} ` : '';
    const tsc = `tsc${cell.ts === '5.9' ? '@5.9' : '@7'}`;
    const project = cell.project === 'single' ? '-p tsconfig.single.json' : '-b';
    const tscArgs = cell.tscArgs ? ` ${cell.tscArgs.join(' ')}` : '';
    const command = `${env}${node}${tsc} ${project}${tscArgs}${variant}`;
    const note = cell.note ?? (cell.kind === 'rebuild' ? 'incremental rebuild after an API change' : '');
    const columns = [
      cell.id,
      `\`${command}\``,
      `${s.rssMb.toFixed(0)} (${s.minRssMb.toFixed(0)}–${s.maxRssMb.toFixed(0)})`,
      s.cpuSeconds.toFixed(1),
      s.wallSeconds.toFixed(1),
      ratio(s.rssMb, plain?.rssMb),
      ratio(s.cpuSeconds, plain?.cpuSeconds),
      ratio(s.rssMb, refs?.rssMb),
      `${s.failures}/${runs}`,
      note,
    ];
    rows.push(`| ${columns.join(' | ')} |`);
  }
  const footer =
    `finished ${new Date().toISOString()}; load average at end ${formatLoad(loadavg())} ` +
    '(CPU is shared with other work: wall and CPU times are noisy, peak RSS is the robust figure). ' +
    'Rebuild cells measure only the second, incremental build.';
  const table = [...header.map((line) => `${line}  `), '', ...rows, '', footer].join('\n');
  console.log(`\n${rows.join('\n')}\n\n${footer}`);

  if (options.readme) {
    // npm runs workspace scripts in bench/; a relative path means the caller's directory.
    const readmePath = resolve(process.env.INIT_CWD ?? process.cwd(), options.readme);
    const [readmeStartMarker, readmeEndMarker] = readmeMarkers(options.section);
    const text = readFileSync(readmePath, 'utf8');
    const start = text.indexOf(readmeStartMarker);
    const end = text.indexOf(readmeEndMarker);
    if (start < 0 || end < start) {
      console.error(`bench:tsc: ${readmePath} has no ${readmeStartMarker} … ${readmeEndMarker} section`);
      process.exit(2);
    }
    const flags = ['runs', 'warmup', 'packages', 'files', 'heaps', 'go-mem-limits', 'cells']
      .filter((name) => options[name] !== undefined)
      .map((name) => `--${name} '${options[name]}'`);
    const command = ['npm run bench:tsc --', ...(options.quick ? ['--quick'] : []), ...flags].join(' ');
    const generatedBy = `<!-- generated by \`${command}\`; do not edit by hand -->`;
    writeFileSync(
      readmePath,
      `${text.slice(0, start + readmeStartMarker.length)}\n${generatedBy}\n${table}\n${text.slice(end)}`,
    );
    console.log(`wrote ${readmePath}`);
  }
  if (existsSync(out)) rmSync(out, { recursive: true, force: true });
}

await main();
