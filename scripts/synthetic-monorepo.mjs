#!/usr/bin/env node
// Generates a synthetic TypeScript monorepo for build-memory benchmarks (bench/tsc/):
// N packages × M files of realistic code (interfaces, unions, generic classes, inferred
// object types, cross-file and cross-package imports through `export *` barrels), each
// package extending @heapwise/tsconfig/library.json by package name with project
// references along a dependency DAG, a solution tsconfig.json for `tsc -b`, and
// tsconfig.single.json: one plain program over every package (no presets, no references).
//
// Usage: node scripts/synthetic-monorepo.mjs --out <dir> [--packages 24] [--files 80]
//        [--deps 3] [--seed 1]
// Prints its parameters and counts as JSON on stdout. Deterministic for a given seed.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mulberry32 } from '@heapwise/testkit';

/** Defaults give about 2000 files in 24 packages, the size DESIGN.md asks for. */
export const defaultParameters = Object.freeze({ packages: 24, files: 80, deps: 3, seed: 1 });

/** Each flag a cell toggles lives in this file, extended last by every package. */
export const variantFileName = 'variant.json';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const packageName = (index) => `p${String(index).padStart(2, '0')}`;
const fileName = (index) => `m${String(index).padStart(3, '0')}`;
const typeName = (pkg, file) => `${pkg.toUpperCase()}${file.toUpperCase()}`;

/** Dependencies of package i: up to `deps` lower-indexed packages, so the graph is a DAG. */
function dependenciesOf(index, deps, random) {
  const chosen = new Set();
  if (index > 0) chosen.add(index - 1);
  while (chosen.size < Math.min(deps, index)) chosen.add(Math.floor(random() * index));
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
    `  return { id, status: ${T.toLowerCase()}Defaults.status, createdAtMs: 0, tags: [], attributes: {}, ...overrides };`,
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
    "  const found = ids.map((id) => ({ id, records: store.byStatus('active').filter((record) => record.id === id) }));",
  );
  const extras = [];
  for (const sibling of uniqueSiblings) {
    const S = typeName(pkg, fileName(sibling));
    extras.push(`${fileName(sibling)}: new ${S}Store().put(make${S}('x'), {}).summarize()`);
  }
  if (D)
    extras.push(`upstream: new ${D}Store<{ source: string }>().put(make${D}('y'), { source: '${pkg}' }).summarize()`);
  lines.push(
    `  return { found, total: found.reduce((sum, entry) => sum + entry.records.length, 0)${extras.map((e) => `, ${e}`).join('')} };`,
  );
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

export function generate({ out, packages, files, deps, seed }) {
  // Seeded, so every run generates the same code.
  const random = mulberry32(seed);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'node_modules', '@heapwise'), { recursive: true });
  mkdirSync(join(out, 'node_modules', '@syn'), { recursive: true });
  // Presets, bases and @types come from this repository's install, by package name.
  symlinkSync(join(repoRoot, 'packages', 'tsconfig'), join(out, 'node_modules', '@heapwise', 'tsconfig'), 'dir');
  symlinkSync(dirname(installedDir('@tsconfig/node20')), join(out, 'node_modules', '@tsconfig'), 'dir');
  symlinkSync(dirname(installedDir('@types/node')), join(out, 'node_modules', '@types'), 'dir');
  writeFileSync(join(out, 'package.json'), json({ name: 'synthetic-monorepo', private: true, type: 'module' }));
  writeFileSync(join(out, variantFileName), json({ compilerOptions: {} }));

  const references = [];
  let fileCount = 0;
  let lineCount = 0;
  let edgeCount = 0;
  for (let index = 0; index < packages; index += 1) {
    const pkg = packageName(index);
    const pkgDeps = dependenciesOf(index, deps, random);
    edgeCount += pkgDeps.length;
    const dir = join(out, 'packages', pkg);
    mkdirSync(join(dir, 'src'), { recursive: true });
    symlinkSync(dir, join(out, 'node_modules', '@syn', pkg), 'dir');
    writeFileSync(
      join(dir, 'package.json'),
      json({
        name: `@syn/${pkg}`,
        type: 'module',
        exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
        dependencies: Object.fromEntries(pkgDeps.map((dep) => [`@syn/${packageName(dep)}`, '*'])),
      }),
    );
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
      seed: { type: 'string', default: String(defaultParameters.seed) },
    },
  });
  if (!values.out) {
    console.error('usage: synthetic-monorepo.mjs --out <dir> [--packages 24] [--files 80] [--deps 3] [--seed 1]');
    process.exit(2);
  }
  const parameters = {
    out: resolve(values.out),
    packages: Number(values.packages),
    files: Number(values.files),
    deps: Number(values.deps),
    seed: Number(values.seed),
  };
  for (const key of ['packages', 'files', 'deps', 'seed']) {
    if (!Number.isInteger(parameters[key]) || parameters[key] < (key === 'deps' ? 0 : 1)) {
      console.error(`synthetic-monorepo: --${key} must be a positive integer, got ${values[key]}`);
      process.exit(2);
    }
  }
  console.log(JSON.stringify({ out: parameters.out, ...generate(parameters) }));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
