// Fixture monorepos for the init tests, written to temp directories: the
// shapes init meets in the wild (hard-coded heap flags in three spellings,
// tsconfigs with comments and trailing commas, tabs, an extends to keep).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { onTestFinished } from 'vitest';

export type Files = Record<string, string>;

/** A JSON file's text as npm and most editors write it: two-space indent, final newline. */
export const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export const TURBO_JSON = json({
  $schema: 'https://turborepo.com/schema.json',
  tasks: {
    build: { dependsOn: ['^build'], outputs: ['dist/**'] },
    test: {},
    typecheck: {},
    dev: { cache: false, persistent: true },
  },
});

export const UI_TSCONFIG = `{
  // UI components: strict, with JSX.
  "compilerOptions": {
    "jsx": "react-jsx", // React 17+ transform
    "strict": true,
  },
  "include": ["src"],
}
`;

export const UTILS_TSCONFIG = `{
  /* shared repo settings */
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "outDir": "dist" }
}
`;

export const WEB_TSCONFIG = '{\n\t"compilerOptions": {\n\t\t"noEmit": true\n\t}\n}\n';

/** An npm workspace: packages/* and apps/*, turbo, heap flags hard-coded every way. */
export function npmWorkspace(): Files {
  return {
    'package.json': json({
      name: 'acme',
      private: true,
      packageManager: 'npm@11.19.1',
      workspaces: ['packages/*', 'apps/*'],
      scripts: { build: 'NODE_OPTIONS=--max-old-space-size=6144 turbo run build', test: 'turbo run test' },
      devDependencies: { turbo: '^2.5.0' },
    }),
    'turbo.json': TURBO_JSON,
    'tsconfig.base.json': json({ compilerOptions: { strict: true } }),
    'packages/ui/package.json': json({
      name: '@acme/ui',
      version: '1.0.0',
      scripts: {
        build: 'node --max-old-space-size=8192 ./scripts/build.js',
        typecheck: 'cross-env NODE_OPTIONS=--max-old-space-size=5120 tsc --noEmit',
        test: 'vitest run',
        lint: 'eslint .',
      },
      devDependencies: { typescript: '^5.9.0', vitest: '^4.0.0' },
    }),
    'packages/ui/tsconfig.json': UI_TSCONFIG,
    'packages/utils/package.json': json({
      name: '@acme/utils',
      version: '1.0.0',
      scripts: {
        build: 'rimraf dist && tsc -b',
        test: 'NODE_OPTIONS="--max-old-space-size=3072 --trace-warnings" vitest run',
        start: 'node --max-old-space-size=1024 dist/index.js',
      },
    }),
    'packages/utils/tsconfig.json': UTILS_TSCONFIG,
    'packages/docs/package.json': json({ name: '@acme/docs', version: '1.0.0', private: true }),
    'apps/web/package.json': json({
      name: '@acme/web',
      version: '1.0.0',
      private: true,
      scripts: {
        dev: 'cross-env NODE_ENV=development NODE_OPTIONS=--max_old_space_size=2560 next dev',
        build: 'next build',
      },
      dependencies: { '@acme/ui': '*' },
    }),
    'apps/web/tsconfig.json': WEB_TSCONFIG,
    // Not a workspace package: never touched.
    'node_modules/some-dep/package.json': json({
      name: 'some-dep',
      scripts: { build: 'node --max-old-space-size=9999 x.js' },
    }),
  };
}

/** A pnpm workspace with an existing .node-options to be raised, not replaced. */
export function pnpmWorkspace(): Files {
  return {
    'package.json': json({
      name: 'shop',
      private: true,
      packageManager: 'pnpm@10.12.1',
      scripts: { build: 'turbo run build' },
    }),
    'pnpm-workspace.yaml':
      "# workspace packages\npackages:\n  - 'services/*'\n  - \"libs/*\" # shared code\n  - '!libs/legacy'\n",
    'turbo.json': TURBO_JSON,
    '.node-options': '# ours\n[build]\n--max-old-space-size=2048\n',
    'services/api/package.json': json({
      name: 'api',
      version: '1.0.0',
      scripts: {
        build: 'tsc -b',
        dev: 'tsx watch src/main.ts',
        test: 'NODE_OPTIONS=--max-old-space-size=3000 vitest run',
      },
    }),
    'services/api/tsconfig.json': '{\n  "compilerOptions": { "outDir": "dist", },\n}\n',
    'libs/core/package.json': json({
      name: 'core',
      version: '1.0.0',
      scripts: { build: 'node --max-old-space-size=3000 build.mjs' },
    }),
    'libs/core/tsconfig.json': '{\n  "extends": ["@tsconfig/node20/tsconfig.json"],\n}\n',
    'libs/legacy/package.json': json({
      name: 'legacy',
      version: '1.0.0',
      scripts: { build: 'node --max-old-space-size=16384 build.js' },
    }),
  };
}

export function writeTree(files: Files): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'heapwise-init-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Writes `files` to a temporary directory, removed when the calling test finishes; returns its path. */
export function fixture(files: Files): string {
  const tree = writeTree(files);
  onTestFinished(tree.remove);
  return tree.root;
}

/** Every file under `root` with its exact bytes and mtime, to prove nothing was written. */
export function snapshot(root: string): Record<string, { content: string; mtimeMs: number }> {
  const out: Record<string, { content: string; mtimeMs: number }> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(root, path)] = { content: readFileSync(path, 'latin1'), mtimeMs: statSync(path).mtimeMs };
    }
  };
  walk(root);
  return out;
}

export function read(root: string, path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

export { packageDir, repoRoot } from './helpers.js';
