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
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

// Chunk names carry content hashes: clear the old ones so dist/bin holds exactly one build.
rmSync(join(packageDir, 'dist', 'bin'), { recursive: true, force: true });

await build({
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
    js: "import { createRequire as __heapwiseCreateRequire } from 'node:module'; const require = __heapwiseCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
