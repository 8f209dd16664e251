// ESLint for the whole repository, type-aware. Each workspace runs `eslint .` through its own `lint`
// script (`heapwise run lint`, so the [lint] profile of .node-options sizes its heap); the root's
// `lint:root` covers scripts/ and this file.
//
// Type information: a TypeScript file is checked against its own workspace's test tsconfig (it
// includes src/ and test/), one program per workspace, so a package's lint never builds another's.
// Plain JavaScript and config files outside those programs go to typescript-eslint's default project.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { globals, js, prettier, tseslint } from '@heapwise/eslint-config';

const root = import.meta.dirname;
const { printWidth } = JSON.parse(readFileSync(join(root, '.prettierrc.json'), 'utf8'));

/** Workspace directories, from package.json `workspaces` (`dir/*` or `dir`). */
function workspaceDirs() {
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(root, parent, entry.name, 'package.json')))
      .map((entry) => `${parent}/${entry.name}`);
  });
}

/** The tsconfig whose program covers a workspace's sources and tests. */
function lintProject(dir) {
  for (const candidate of ['tsconfig.test.json', 'test/tsconfig.json', 'tsconfig.json']) {
    if (existsSync(join(root, dir, candidate))) return `${dir}/${candidate}`;
  }
  return undefined;
}

const perWorkspace = workspaceDirs().flatMap((dir) => {
  const project = lintProject(dir);
  if (project === undefined) return [];
  return [
    {
      name: `heapwise/types/${dir}`,
      files: [`${dir}/{src,test,scripts}/**/*.{ts,mts,cts}`],
      languageOptions: { parserOptions: { projectService: false, project, tsconfigRootDir: root } },
    },
  ];
});

export default tseslint.config(
  {
    name: 'heapwise/ignores',
    ignores: ['**/dist/', '**/node_modules/', '**/coverage/', '**/.turbo/', 'bench/results/'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    name: 'heapwise/defaults',
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: globals.node,
      parserOptions: {
        projectService: {
          // Files no workspace program includes: scripts, config files, bin shims, preloads, .mjs fixtures.
          allowDefaultProject: [
            '*.js',
            'scripts/*.{mjs,d.mts}',
            '*/*.config.ts',
            '*/*/*.config.ts',
            '*/*/*.{js,mjs,d.ts,d.mts}',
            '*/*/bin/*.js',
            '*/*/preload/*.cjs',
            '*/*/scripts/*.{js,mjs,d.mts}',
            '*/*/test/fixtures/*.mjs',
          ],
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 32,
        },
        tsconfigRootDir: root,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A `let` read by a closure before its one assignment cannot be a `const`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  ...perWorkspace,
  {
    // Values typed `any` on purpose, where the no-unsafe-* rules would flag each use and find nothing:
    // - plain JavaScript has no declared types, so every value read from JSON, argv or an untyped
    //   module is `any`;
    // - tests read JSON from real servers and processes (JSON.parse is `any`) and check its shape with
    //   expect(); a cast to a hand-written type would restate those assertions without checking more.
    // The promise and unused-variable rules (the ones that catch a test that passes without waiting)
    // still apply, with the types TypeScript infers.
    name: 'heapwise/untyped-values',
    files: ['**/*.{js,mjs,cjs}', '**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // A CommonJS file (a `node --require` preload) can only load its dependencies with require().
    name: 'heapwise/commonjs',
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // After the rule sets, so that no stylistic rule argues with Prettier.
  prettier,
  {
    // Prettier wraps code at printWidth but never a comment, a string, a template literal or a regular
    // expression: this holds every line to the same width (split a long message into concatenated
    // parts; it prints the same). The one exemption is a line holding a URL, which is read and
    // followed whole.
    name: 'heapwise/line-width',
    rules: {
      'max-len': ['error', { code: printWidth, ignoreUrls: true }],
    },
  },
);
