#!/usr/bin/env node
// Bundles the CLI (src/cli.ts and everything it imports, dependencies included) into dist/bin/:
// one entry file plus one chunk per lazily imported command, with source maps back to src/.
//
// Why: every task of a monorepo starts through `heapwise run`, and on Node 20 (no compile cache)
// each ES module costs a resolve, a read and a compile; a dependency package costs its own lookups.
// The bundled `run` path is a couple of files instead of dozens. The library (`exports`: dist/index.js)
// stays the plain tsc output. Chunks sit two directories below package.json, as dist/<dir>/*.js do, so
// a module that finds package.json relative to itself finds it from here too.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

const outDir = join(packageDir, 'dist', 'bin');

const result = await build({
  write: false,
  absWorkingDir: packageDir,
  entryPoints: ['src/cli.ts'],
  outdir: 'dist/bin',
  bundle: true,
  // Dynamic import() of a command becomes its own chunk: `run` never loads doctor, init or yaml.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // ESM builds first: jsonc-parser's UMD build requires its parts through a wrapper esbuild cannot follow.
  mainFields: ['module', 'main'],
  // yaml ships CommonJS for Node that requires node builtins; ESM output needs a require() for them.
  banner: {
    js:
      "import { createRequire as __heapwiseCreateRequire } from 'node:module'; " +
      'const require = __heapwiseCreateRequire(import.meta.url);',
  },
  logLevel: 'warning',
});

// Other tasks may be running the CLI from dist/bin while this runs (turbo starts a package's test,
// whose set-up bundles again, beside builds that run `heapwise`). So dist/bin is never emptied: a file
// is replaced by rename only when its bytes change, and files of an older build (chunk names carry
// content hashes) are removed last, once the new entry no longer refers to them.
mkdirSync(outDir, { recursive: true });
const written = new Set();
for (const file of result.outputFiles) {
  const name = relative(outDir, file.path);
  written.add(name);
  let current;
  try {
    current = readFileSync(file.path);
  } catch {
    current = undefined;
  }
  if (current?.equals(file.contents)) continue;
  const staging = `${file.path}.${process.pid}.tmp`;
  writeFileSync(staging, file.contents);
  renameSync(staging, file.path);
}
for (const name of readdirSync(outDir)) {
  if (!written.has(name) && /\.js(\.map)?$/.test(name)) rmSync(join(outDir, name), { force: true });
}
