#!/usr/bin/env node
// Generates a synthetic TypeScript monorepo for build-memory benchmarks (bench/tsc/, bench:build):
// N packages × M files of realistic code (interfaces, unions, generic classes, inferred
// object types, cross-file and cross-package imports through `export *` barrels), each
// package extending @heapwise/tsconfig/library.json by package name with project
// references along a dependency DAG, a solution tsconfig.json for `tsc -b`, and
// tsconfig.single.json: one plain program over every package (no presets, no references).
// It is also an npm + turbo workspace: each package has `build` (tsc -b), `typecheck`
// (tsc --noEmit over src) and `test` (node --test over the built output) scripts, run either
// plainly or through `heapwise run` (setTaskRunner), with the TypeScript version chosen by
// linkTypeScript.
//
// The dependency graph is layered: `--width W` packages per layer, each depending only on
// earlier layers (one of them the package W places before it), so a layer's W packages can
// build at the same time. Width 1 is a strict chain: package i depends on i − 1.
//
// Usage: node scripts/synthetic-monorepo.mjs --out <dir> [--packages 24] [--files 80]
//        [--deps 3] [--width 1] [--seed 1] [--typescript 7|5.9] [--runner plain|heapwise]
// Prints its parameters and counts as JSON on stdout. Deterministic for a given seed.
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mulberry32 } from '@heapwise/testkit';

/**
 * Defaults give about 2000 files (about 100k lines) in 24 packages: a mid-sized monorepo, where one
 * plain `tsc` program over everything already peaks above 1 GB (packages/tsconfig/README.md).
 */
export const defaultParameters = Object.freeze({ packages: 24, files: 80, deps: 3, width: 1, seed: 1 });

/** The compilers a generated workspace can be linked to, by the root's package aliases. */
export const typeScriptPackages = Object.freeze({ 7: 'typescript', 5.9: 'typescript-5.9' });

/** How each package runs its tasks: the bare command, or through the heapwise wrapper. */
export const taskRunners = Object.freeze(['plain', 'heapwise']);

/** Each flag a cell toggles lives in this file, extended last by every package. */
export const variantFileName = 'variant.json';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const packageName = (index) => `p${String(index).padStart(2, '0')}`;
const fileName = (index) => `m${String(index).padStart(3, '0')}`;
const typeName = (pkg, file) => `${pkg.toUpperCase()}${file.toUpperCase()}`;

/**
 * Dependencies of package `index` in a graph of layers `width` packages wide: the package `width`
 * places before it (so layer L cannot start before layer L − 1), plus random others from earlier
 * layers, up to `deps` in all. Never one of its own layer, so a layer builds in parallel. With
 * width 1 this is the historical chain (i − 1 plus random lower indexes), the same for a seed.
 */
export function dependenciesOf(index, deps, random, width = 1) {
  const layerStart = index - (index % width);
  const chosen = new Set();
  if (layerStart > 0 && deps > 0) chosen.add(index - width);
  while (chosen.size < Math.min(deps, layerStart)) chosen.add(Math.floor(random() * layerStart));
  return [...chosen].sort((a, b) => a - b);
}

/** One source file: about 70 lines that exercise inference, generics and declaration emit. */
function sourceFile({ pkg, fileIndex, files, deps, random }) {
  const file = fileName(fileIndex);
  const T = typeName(pkg, file);
  const lines = [];
  // Imports: up to two earlier files of the same package, one dependency package (barrel).
  const siblings = [];
  if (fileIndex > 0) siblings.push(Math.floor(random() * fileIndex));
  if (fileIndex > 1) siblings.push(Math.floor(random() * fileIndex));
  const uniqueSiblings = [...new Set(siblings)];
  for (const sibling of uniqueSiblings) {
    const S = typeName(pkg, fileName(sibling));
    lines.push(`import { type ${S}Record, ${S}Store, make${S} } from './${fileName(sibling)}.js';`);
  }
  const dep = deps.length > 0 ? deps[fileIndex % deps.length] : undefined;
  let D;
  if (dep !== undefined) {
    const depPkg = packageName(dep);
    // Dependents use the first few files of a dependency, so those become hot spots.
    const depFile = fileName(Math.floor(random() * Math.min(files, 8)));
    D = typeName(depPkg, depFile);
    lines.push(`import { type ${D}Record, ${D}Store, make${D}, ${D.toLowerCase()}Defaults } from '@syn/${depPkg}';`);
  }
  lines.push('');
  lines.push(`export type ${T}Status = 'active' | 'suspended' | 'archived' | 'pending-${fileIndex}';`);
  lines.push('');
  lines.push(`export interface ${T}Record {`);
  lines.push('  readonly id: string;');
  lines.push(`  readonly status: ${T}Status;`);
  lines.push('  readonly createdAtMs: number;');
  lines.push('  readonly tags: readonly string[];');
  lines.push(`  readonly attributes: Readonly<Record<string, string | number | boolean>>;`);
  for (const sibling of uniqueSiblings)
    lines.push(`  readonly ${fileName(sibling)}?: ${typeName(pkg, fileName(sibling))}Record;`);
  if (D) lines.push(`  readonly upstream?: ${D}Record;`);
  lines.push('}');
  lines.push('');
  // An exported value whose type is inferred: dependents' .d.ts inline it.
  lines.push(`export const ${T.toLowerCase()}Defaults = {`);
  lines.push(`  status: 'pending-${fileIndex}' as ${T}Status,`);
  lines.push(`  retries: ${Math.floor(random() * 10)},`);
  lines.push(
    `  limits: { maxItems: ${100 + Math.floor(random() * 900)}, maxBytes: ${1024 * (1 + Math.floor(random() * 64))} },`,
  );
  if (D) lines.push(`  upstream: { ...${D.toLowerCase()}Defaults },`);
  lines.push('};');
  lines.push('');
  lines.push(`export function make${T}(id: string, overrides: Partial<${T}Record> = {}): ${T}Record {`);
  lines.push(
    `  return { id, status: ${T.toLowerCase()}Defaults.status, ` +
      'createdAtMs: 0, tags: [], attributes: {}, ...overrides };',
  );
  lines.push('}');
  lines.push('');
  lines.push(`export class ${T}Store<TMeta extends Record<string, unknown> = Record<string, unknown>> {`);
  lines.push(`  readonly #items = new Map<string, { record: ${T}Record; meta: TMeta }>();`);
  lines.push(`  constructor(readonly maxItems: number = ${T.toLowerCase()}Defaults.limits.maxItems) {}`);
  lines.push(`  put(record: ${T}Record, meta: TMeta): this {`);
  lines.push('    if (this.#items.size >= this.maxItems) {');
  lines.push('      const oldest = this.#items.keys().next();');
  lines.push('      if (!oldest.done) this.#items.delete(oldest.value);');
  lines.push('    }');
  lines.push('    this.#items.set(record.id, { record, meta });');
  lines.push('    return this;');
  lines.push('  }');
  lines.push(`  byStatus(status: ${T}Status): ${T}Record[] {`);
  lines.push(
    '    return [...this.#items.values()].map((entry) => entry.record).filter((record) => record.status === status);',
  );
  lines.push('  }');
  lines.push(`  summarize() {`);
  lines.push('    const counts: Partial<Record<string, number>> = {};');
  lines.push(
    '    for (const { record } of this.#items.values()) counts[record.status] = (counts[record.status] ?? 0) + 1;',
  );
  lines.push(`    return { size: this.#items.size, counts, newest: [...this.#items.values()].at(-1)?.record };`);
  lines.push('  }');
  lines.push('}');
  lines.push('');
  lines.push(`export function join${T}(store: ${T}Store, ids: readonly string[]) {`);
  lines.push(
    '  const found = ids.map((id) => ' +
      "({ id, records: store.byStatus('active').filter((record) => record.id === id) }));",
  );
  const extras = [];
  for (const sibling of uniqueSiblings) {
    const S = typeName(pkg, fileName(sibling));
    extras.push(`${fileName(sibling)}: new ${S}Store().put(make${S}('x'), {}).summarize()`);
  }
  if (D)
    extras.push(`upstream: new ${D}Store<{ source: string }>().put(make${D}('y'), { source: '${pkg}' }).summarize()`);
  const extraFields = extras.map((e) => `, ${e}`).join('');
  lines.push(`  return { found, total: found.reduce((sum, entry) => sum + entry.records.length, 0)${extraFields} };`);
  lines.push('}');
  lines.push('');
  return lines.join('\n');
}

function json(value) {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Resolves an installed package directory from the repository root. */
function installedDir(name) {
  const require = createRequire(join(repoRoot, 'package.json'));
  return dirname(require.resolve(`${name}/package.json`));
}

/**
 * Scripts of one package: the bare commands, or each through `heapwise run <task> --`. `tscFlags`
 * (e.g. `--singleThreaded`) go on both tsc commands.
 */
export function packageScripts(runner, tscFlags = '') {
  const flags = tscFlags === '' ? '' : ` ${tscFlags}`;
  const commands = {
    build: `tsc -b${flags}`,
    typecheck: `tsc -p tsconfig.test.json${flags}`,
    test: 'node --test test/index.test.mjs',
  };
  if (!taskRunners.includes(runner)) throw new Error(`runner must be one of ${taskRunners.join(', ')}, got ${runner}`);
  return Object.fromEntries(
    Object.entries(commands).map(([task, command]) => [
      task,
      runner === 'heapwise' ? `heapwise run ${task} -- ${command}` : command,
    ]),
  );
}

/** Rewrites every package's scripts for `runner` and `tscFlags` (the sources stay as they are). */
export function setTaskRunner(out, runner, tscFlags = '') {
  const scripts = packageScripts(runner, tscFlags);
  for (const pkg of readdirSync(join(out, 'packages'))) {
    const file = join(out, 'packages', pkg, 'package.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, json({ ...manifest, scripts }));
  }
}

/** Points the workspace's `tsc` (node_modules/.bin/tsc) at TypeScript `version` (7 or 5.9). */
export function linkTypeScript(out, version) {
  const name = typeScriptPackages[version];
  if (name === undefined)
    throw new Error(`typescript must be one of ${Object.keys(typeScriptPackages).join(', ')}, got ${version}`);
  const link = join(out, 'node_modules', '.bin', 'tsc');
  rmSync(link, { force: true });
  symlinkSync(join(installedDir(name), 'bin', 'tsc'), link);
}

/** A test per package: every store of the built output keeps what it is given, bounded. */
function packageTest(files) {
  return `import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as api from '../dist/index.js';

test('every store keeps the newest records up to its bound, and joins find them', () => {
  const makers = Object.keys(api).filter((name) => name.startsWith('make'));
  assert.equal(makers.length, ${files});
  for (const maker of makers) {
    const type = maker.slice('make'.length);
    const store = new api[\`\${type}Store\`](10);
    for (let i = 0; i < 50; i += 1) store.put(api[maker](\`id\${i}\`, { status: 'active' }), {});
    assert.equal(store.summarize().size, 10);
    assert.equal(api[\`join\${type}\`](store, ['id49', 'id0']).total, 1);
  }
});
`;
}

/** npm's lockfile for the workspace (links only, nothing to install), so turbo can read the graph from it. */
function lockfile(out) {
  const packages = { '': { name: 'synthetic-monorepo', workspaces: ['packages/*'] } };
  for (const pkg of readdirSync(join(out, 'packages')).sort()) {
    const manifest = JSON.parse(readFileSync(join(out, 'packages', pkg, 'package.json'), 'utf8'));
    packages[`node_modules/@syn/${pkg}`] = { resolved: `packages/${pkg}`, link: true };
    packages[`packages/${pkg}`] = {
      name: manifest.name,
      version: manifest.version,
      dependencies: manifest.dependencies,
    };
  }
  return { name: 'synthetic-monorepo', lockfileVersion: 3, requires: true, packages };
}

export function generate({
  out,
  packages,
  files,
  deps,
  width = defaultParameters.width,
  seed,
  typescript = '7',
  runner = 'heapwise',
}) {
  // Seeded, so every run generates the same code.
  const random = mulberry32(seed);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'node_modules', '@heapwise'), { recursive: true });
  mkdirSync(join(out, 'node_modules', '@syn'), { recursive: true });
  mkdirSync(join(out, 'node_modules', '.bin'), { recursive: true });
  // Presets, bases and @types come from this repository's install, by package name.
  symlinkSync(join(repoRoot, 'packages', 'tsconfig'), join(out, 'node_modules', '@heapwise', 'tsconfig'), 'dir');
  symlinkSync(dirname(installedDir('@tsconfig/node20')), join(out, 'node_modules', '@tsconfig'), 'dir');
  symlinkSync(dirname(installedDir('@types/node')), join(out, 'node_modules', '@types'), 'dir');
  // The tools, from this repository too: heapwise (this checkout's CLI), turbo, and one tsc.
  symlinkSync(join(repoRoot, 'packages', 'node-options'), join(out, 'node_modules', '@heapwise', 'node-options'));
  symlinkSync(
    join(repoRoot, 'packages', 'node-options', 'bin', 'heapwise.js'),
    join(out, 'node_modules', '.bin', 'heapwise'),
  );
  symlinkSync(installedDir('turbo'), join(out, 'node_modules', 'turbo'), 'dir');
  symlinkSync(join(installedDir('turbo'), 'bin', 'turbo'), join(out, 'node_modules', '.bin', 'turbo'));
  linkTypeScript(out, typescript);
  const rootManifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  writeFileSync(
    join(out, 'package.json'),
    json({
      name: 'synthetic-monorepo',
      private: true,
      type: 'module',
      packageManager: rootManifest.packageManager,
      workspaces: ['packages/*'],
    }),
  );
  // turbo's strict environment mode passes only listed variables: the same list as this repository's.
  const turboJson = JSON.parse(readFileSync(join(repoRoot, 'turbo.json'), 'utf8'));
  writeFileSync(
    join(out, 'turbo.json'),
    json({
      $schema: turboJson.$schema,
      ui: 'stream',
      globalPassThroughEnv: turboJson.globalPassThroughEnv,
      tasks: {
        build: { dependsOn: ['^build'], outputs: ['dist/**'] },
        typecheck: { dependsOn: ['^build'], outputs: [] },
        test: { dependsOn: ['build'], outputs: [] },
      },
    }),
  );
  // The heaps each task requests: this repository's own file, the one source of those numbers.
  writeFileSync(join(out, '.node-options'), readFileSync(join(repoRoot, '.node-options')));
  writeFileSync(join(out, variantFileName), json({ compilerOptions: {} }));

  const references = [];
  let fileCount = 0;
  let lineCount = 0;
  let edgeCount = 0;
  for (let index = 0; index < packages; index += 1) {
    const pkg = packageName(index);
    const pkgDeps = dependenciesOf(index, deps, random, width);
    edgeCount += pkgDeps.length;
    const dir = join(out, 'packages', pkg);
    mkdirSync(join(dir, 'src'), { recursive: true });
    mkdirSync(join(dir, 'test'), { recursive: true });
    symlinkSync(dir, join(out, 'node_modules', '@syn', pkg), 'dir');
    writeFileSync(
      join(dir, 'package.json'),
      json({
        name: `@syn/${pkg}`,
        version: '0.0.0',
        private: true,
        type: 'module',
        exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
        dependencies: Object.fromEntries(pkgDeps.map((dep) => [`@syn/${packageName(dep)}`, '*'])),
        scripts: packageScripts(runner),
      }),
    );
    // Type-checks the sources without emitting, against the dependencies' built declarations.
    writeFileSync(
      join(dir, 'tsconfig.test.json'),
      json({ extends: ['@heapwise/tsconfig/test.json', `../../${variantFileName}`] }),
    );
    writeFileSync(join(dir, 'test', 'index.test.mjs'), packageTest(files));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      json({
        extends: ['@heapwise/tsconfig/library.json', `../../${variantFileName}`],
        references: pkgDeps.map((dep) => ({ path: `../${packageName(dep)}` })),
      }),
    );
    const barrel = [];
    for (let fileIndex = 0; fileIndex < files; fileIndex += 1) {
      const text = sourceFile({ pkg, fileIndex, files, deps: pkgDeps, random });
      writeFileSync(join(dir, 'src', `${fileName(fileIndex)}.ts`), text);
      lineCount += text.split('\n').length;
      barrel.push(`export * from './${fileName(fileIndex)}.js';`);
    }
    writeFileSync(join(dir, 'src', 'index.ts'), `${barrel.join('\n')}\n`);
    fileCount += files + 1;
    references.push({ path: `packages/${pkg}` });
  }
  writeFileSync(join(out, 'tsconfig.json'), json({ files: [], references }));
  writeFileSync(join(out, 'package-lock.json'), json(lockfile(out)));
  // One program over everything, plain @tsconfig/node20 settings: what a repo without
  // project references or presets runs. `paths` sends @syn/* to sources, not to dist.
  writeFileSync(
    join(out, 'tsconfig.single.json'),
    json({
      extends: ['@tsconfig/node20/tsconfig.json', `./${variantFileName}`],
      compilerOptions: {
        declaration: true,
        sourceMap: true,
        rootDir: './packages',
        outDir: './single-dist',
        paths: { '@syn/*': ['./packages/*/src/index.ts'] },
      },
      include: ['packages/*/src'],
    }),
  );
  return {
    packages,
    filesPerPackage: files,
    depsPerPackage: deps,
    width,
    layers: Math.ceil(packages / width),
    seed,
    sourceFiles: fileCount,
    sourceLines: lineCount,
    referenceEdges: edgeCount,
  };
}

/** The file an "API change" edits: a value every package reaches through barrels. */
export const apiChangeFile = join('packages', packageName(0), 'src', `${fileName(0)}.ts`);

function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      packages: { type: 'string', default: String(defaultParameters.packages) },
      files: { type: 'string', default: String(defaultParameters.files) },
      deps: { type: 'string', default: String(defaultParameters.deps) },
      width: { type: 'string', default: String(defaultParameters.width) },
      seed: { type: 'string', default: String(defaultParameters.seed) },
      typescript: { type: 'string', default: '7' },
      runner: { type: 'string', default: 'heapwise' },
    },
  });
  if (!values.out) {
    console.error(
      'usage: synthetic-monorepo.mjs --out <dir> [--packages 24] [--files 80] [--deps 3] [--width 1] [--seed 1] ' +
        '[--typescript 7|5.9] [--runner plain|heapwise]',
    );
    process.exit(2);
  }
  const parameters = {
    out: resolve(values.out),
    packages: Number(values.packages),
    files: Number(values.files),
    deps: Number(values.deps),
    width: Number(values.width),
    seed: Number(values.seed),
    typescript: values.typescript,
    runner: values.runner,
  };
  for (const key of ['packages', 'files', 'deps', 'width', 'seed']) {
    if (!Number.isInteger(parameters[key]) || parameters[key] < (key === 'deps' ? 0 : 1)) {
      console.error(`synthetic-monorepo: --${key} must be a positive integer, got ${values[key]}`);
      process.exit(2);
    }
  }
  if (!(parameters.typescript in typeScriptPackages) || !taskRunners.includes(parameters.runner)) {
    console.error(
      `synthetic-monorepo: --typescript must be ${Object.keys(typeScriptPackages).join(' or ')} ` +
        `and --runner ${taskRunners.join(' or ')}`,
    );
    process.exit(2);
  }
  console.log(JSON.stringify({ out: parameters.out, ...generate(parameters) }));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
