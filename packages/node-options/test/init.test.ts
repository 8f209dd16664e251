// `heapwise init` on fixture monorepos: the files it produces, its diff,
// idempotence, and that a bad input leaves every byte where it was.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { applyInit, planInit, InitError } from '../src/init/index.js';
import { fixture, npmWorkspace, pnpmWorkspace, read, snapshot, UI_TSCONFIG, type Files } from './init-fixtures.js';
import { runMain } from './helpers.js';

const pkg = (root: string, dir: string) =>
  JSON.parse(read(root, `${dir}/package.json`)) as {
    scripts?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };

describe('heapwise init on an npm workspace', () => {
  it("moves hard-coded heap sizes into .node-options: the root's into [task], a package's into [package#task]", () => {
    const root = fixture(npmWorkspace());
    applyInit(planInit(root, { versionRange: '^1.2.3' }));
    const written = read(root, '.node-options');
    // The root's NODE_OPTIONS=--max-old-space-size=6144 reached every build task: it raises [build].
    expect(written).toContain('[build]\n--max-old-space-size=6144\n');
    // One package's size stays that package's request: the others keep the defaults.
    expect(written).toContain('[typecheck]\n--max-old-space-size=3072\n');
    expect(written).toContain('[test]\n--max-old-space-size=2048\n--expose-gc\n');
    expect(written).toContain('[dev]\n--max-old-space-size=2048\n--expose-gc\n');
    expect(written).toContain(
      '[@acme/web#dev]\n--max-old-space-size=2560\n\n' +
        '[@acme/ui#build]\n--max-old-space-size=8192\n\n' +
        '[@acme/ui#typecheck]\n--max-old-space-size=5120\n\n' +
        '[@acme/utils#test]\n--max-old-space-size=3072\n',
    );
    const all = Object.entries(snapshot(root))
      .filter(([path]) => path.endsWith('package.json') && !path.startsWith('node_modules'))
      .map(([, file]) => file.content)
      .join('\n');
    // Gone from every task script; kept where no heapwise task would carry it.
    expect(all.match(/max[-_]old[-_]space[-_]size/g)).toEqual(['max-old-space-size']);
    expect(pkg(root, 'packages/utils').scripts?.start).toBe('node --max-old-space-size=1024 dist/index.js');
  });

  it('wraps build/typecheck/test/dev, keeps other scripts, and adds the dev dependencies', () => {
    const root = fixture(npmWorkspace());
    applyInit(planInit(root, { versionRange: '^1.2.3' }));
    expect(pkg(root, 'packages/ui').scripts).toEqual({
      build: 'heapwise run build -- node ./scripts/build.js',
      typecheck: 'heapwise run typecheck -- tsc --noEmit',
      test: 'heapwise run test -- vitest run',
      lint: 'eslint .',
    });
    expect(pkg(root, 'packages/utils').scripts?.test).toBe(
      'NODE_OPTIONS="--trace-warnings" heapwise run test -- vitest run',
    );
    expect(pkg(root, 'apps/web').scripts?.dev).toBe('heapwise run dev -- cross-env NODE_ENV=development next dev');
    // Sorted list stays sorted.
    expect(Object.keys(pkg(root, 'packages/ui').devDependencies ?? {})).toEqual([
      '@heapwise/node-options',
      '@heapwise/tsconfig',
      'typescript',
      'vitest',
    ]);
    expect(pkg(root, 'apps/web').devDependencies).toEqual({
      '@heapwise/node-options': '^1.2.3',
      '@heapwise/tsconfig': '^1.2.3',
    });
    // The root runs turbo through heapwise (concurrency fitted to the heaps); it gets the CLI as a dev dependency.
    expect(pkg(root, '.').scripts).toEqual({ build: 'heapwise turbo build', test: 'heapwise turbo test' });
    expect(pkg(root, '.').devDependencies).toEqual({ '@heapwise/node-options': '^1.2.3', turbo: '^2.5.0' });
    // No task script and no tsconfig: nothing to do there.
    expect(read(root, 'packages/docs/package.json')).toBe(npmWorkspace()['packages/docs/package.json']);
    // node_modules is never a workspace package.
    expect(read(root, 'node_modules/some-dep/package.json')).toBe(npmWorkspace()['node_modules/some-dep/package.json']);
  });

  it('extends the adopt preset in tsconfigs, keeping comments, trailing commas, tabs and an existing extends', () => {
    const root = fixture(npmWorkspace());
    applyInit(planInit(root));
    const ui = read(root, 'packages/ui/tsconfig.json');
    // Exactly one line added: the rest of the file is the author's bytes.
    expect(ui).toBe(UI_TSCONFIG.replace('{\n', '{\n  "extends": "@heapwise/tsconfig/adopt.json",\n'));
    expect(parse(read(root, 'packages/utils/tsconfig.json')).extends).toEqual([
      '@heapwise/tsconfig/adopt.json',
      '../../tsconfig.base.json',
    ]);
    expect(read(root, 'packages/utils/tsconfig.json')).toContain('/* shared repo settings */');
    // apps/* are services; the tab indentation is kept.
    expect(read(root, 'apps/web/tsconfig.json')).toBe(
      '{\n\t"extends": "@heapwise/tsconfig/adopt.json",\n\t"compilerOptions": {\n\t\t"noEmit": true\n\t}\n}\n',
    );
  });

  it('prints a unified diff of every change and writes nothing until applied', () => {
    const root = fixture(npmWorkspace());
    const before = snapshot(root);
    const plan = planInit(root, { versionRange: '^1.2.3' });
    expect(snapshot(root)).toEqual(before);
    expect(plan.changes.map((change) => change.relativePath)).toEqual([
      '.node-options',
      'apps/web/package.json',
      'apps/web/tsconfig.json',
      'package.json',
      'packages/ui/package.json',
      'packages/ui/tsconfig.json',
      'packages/utils/package.json',
      'packages/utils/tsconfig.json',
      'turbo.json',
    ]);
    expect(plan.diff).toContain('--- /dev/null\n+++ b/.node-options\n');
    expect(plan.diff).toContain(
      [
        '--- a/packages/ui/package.json',
        '+++ b/packages/ui/package.json',
        '@@ -2,12 +2,14 @@',
        '   "name": "@acme/ui",',
        '   "version": "1.0.0",',
        '   "scripts": {',
        '-    "build": "node --max-old-space-size=8192 ./scripts/build.js",',
        '-    "typecheck": "cross-env NODE_OPTIONS=--max-old-space-size=5120 tsc --noEmit",',
        '-    "test": "vitest run",',
        '+    "build": "heapwise run build -- node ./scripts/build.js",',
        '+    "typecheck": "heapwise run typecheck -- tsc --noEmit",',
        '+    "test": "heapwise run test -- vitest run",',
        '     "lint": "eslint ."',
        '   },',
        '   "devDependencies": {',
        '+    "@heapwise/node-options": "^1.2.3",',
        '+    "@heapwise/tsconfig": "^1.2.3",',
        '     "typescript": "^5.9.0",',
        '     "vitest": "^4.0.0"',
        '   }',
      ].join('\n'),
    );
    expect(plan.diff).toContain(
      '+  "extends": "@heapwise/tsconfig/adopt.json",\n   // UI components: strict, with JSX.\n',
    );
    // turbo's strict env mode would drop HEAPWISE_CONCURRENCY on the way to the tasks.
    expect(plan.diff).toContain(
      '+  "globalPassThroughEnv": [\n+    "NODE_OPTIONS",\n+    "GOMEMLIMIT",\n+    "HEAPWISE_*"\n+  ],\n   "tasks": {',
    );
    expect(plan.notes).toEqual([
      'packages/utils/package.json: script "start" left as it is: ' +
        'it sets a heap size but is not a heapwise task (build, typecheck, test, dev)',
    ]);
  });

  it('changes nothing on a second run', () => {
    const root = fixture(npmWorkspace());
    applyInit(planInit(root));
    const after = snapshot(root);
    const again = planInit(root);
    expect(again.changes).toEqual([]);
    expect(again.diff).toBe('');
    applyInit(again);
    expect(snapshot(root)).toEqual(after);
  });
});

describe('heapwise init on a pnpm workspace', () => {
  it('reads pnpm-workspace.yaml (with exclusions), extends adopt.json, and raises an existing .node-options', () => {
    const root = fixture(pnpmWorkspace());
    const plan = planInit(root, { versionRange: '^1.2.3' });
    expect(plan.manager).toBe('pnpm');
    applyInit(plan);
    // Kept the team's file; each package's larger size became its own section.
    expect(read(root, '.node-options')).toBe(
      '# ours\n[build]\n--max-old-space-size=2048\n\n' +
        '[core#build]\n--max-old-space-size=3000\n\n' +
        '[api#test]\n--max-old-space-size=3000\n',
    );
    expect(parse(read(root, 'services/api/tsconfig.json')).extends).toBe('@heapwise/tsconfig/adopt.json');
    expect(read(root, 'services/api/tsconfig.json')).toContain('"outDir": "dist", },\n}');
    expect(parse(read(root, 'libs/core/tsconfig.json')).extends).toEqual([
      '@heapwise/tsconfig/adopt.json',
      '@tsconfig/node20/tsconfig.json',
    ]);
    expect(pkg(root, 'services/api').scripts).toEqual({
      build: 'heapwise run build -- tsc -b',
      dev: 'heapwise run dev -- tsx watch src/main.ts',
      test: 'heapwise run test -- vitest run',
    });
    // '!libs/legacy' is not a workspace package: its 16384 is neither moved nor wrapped.
    expect(read(root, 'libs/legacy/package.json')).toBe(pnpmWorkspace()['libs/legacy/package.json']);
    expect(planInit(root).changes).toEqual([]);
  });

  it('raises a size written `--max-old-space-size N` in place, so the build gets the raised heap', async () => {
    const root = fixture({
      ...pnpmWorkspace(),
      // A heap size in a root script reaches every task: it raises [build] itself.
      'package.json': JSON.stringify({
        name: 'shop',
        private: true,
        scripts: { build: 'NODE_OPTIONS=--max-old-space-size=3000 turbo run build' },
      }),
      '.node-options': '# ours\n[build]  # sized by hand\n--max-old-space-size 2048  # was enough\n--expose-gc\n',
    });
    const plan = planInit(root, { versionRange: '^1.2.3' });
    expect(plan.diff).toContain('--max-old-space-size 2048  # was enough\n+--max-old-space-size 3000  # was enough\n');
    applyInit(plan);
    expect(read(root, '.node-options')).toBe(
      '# ours\n[build]  # sized by hand\n--max-old-space-size 3000  # was enough\n--expose-gc\n\n' +
        '[api#test]\n--max-old-space-size=3000\n',
    );
    // The runtime reads the same line: the request is 3000, not a 2048 that a later line overrides.
    const printed = await runMain(['print', 'build', '--memory', '64g', '--format', 'json'], { cwd: root });
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toMatchObject({ requestedHeapMb: 3000 });
  });
});

describe('heapwise init refuses, and changes nothing, when it cannot do the whole job', () => {
  function expectUntouched(files: Files, message: RegExp): void {
    const root = fixture(files);
    const before = snapshot(root);
    expect(() => planInit(root)).toThrow(InitError);
    expect(() => planInit(root)).toThrow(message);
    expect(snapshot(root)).toEqual(before);
  }

  it('a tsconfig it cannot parse: names the file, line and column', () => {
    expectUntouched(
      {
        ...npmWorkspace(),
        'packages/utils/tsconfig.json': '{\n  "compilerOptions": {\n    "strict": true\n    "outDir": "dist"\n  }\n}\n',
      },
      /packages\/utils\/tsconfig\.json:4:5: cannot parse \(CommaExpected\).*Nothing was changed/,
    );
  });

  it('a package.json that is not JSON', () => {
    expectUntouched(
      { ...npmWorkspace(), 'apps/web/package.json': '{ "name": "web", }\n' },
      /apps\/web\/package\.json:1:\d+: cannot parse/,
    );
  });

  it('a package directory instead of the workspace root: points to the root', () => {
    const root = fixture(npmWorkspace());
    const before = snapshot(root);
    expect(() => planInit(join(root, 'packages/ui'))).toThrow(
      /declares no "workspaces".*The workspace root looks like \.\.\/\.\./,
    );
    expect(snapshot(root)).toEqual(before);
  });

  it('a workspace without turbo', () => {
    const files = npmWorkspace();
    delete files['turbo.json'];
    expectUntouched(files, /turbo\.json not found/);
  });

  it('a file that changed after planning: applyInit writes none of the files', () => {
    const root = fixture(npmWorkspace());
    const plan = planInit(root);
    writeFileSync(join(root, 'packages/utils/tsconfig.json'), '{}\n');
    const before = snapshot(root);
    expect(() => applyInit(plan)).toThrow(/packages\/utils\/tsconfig\.json changed since the plan was made/);
    expect(snapshot(root)).toEqual(before);
  });

  it('a file it cannot write: the temporaries are removed and no file is replaced', () => {
    const root = fixture(npmWorkspace());
    const plan = planInit(root);
    // packages/utils is planned after packages/ui and apps/web: those temporaries get written first.
    chmodSync(join(root, 'packages/utils'), 0o555);
    try {
      const before = snapshot(root);
      if (process.getuid?.() === 0) {
        // root ignores directory permissions; occupy the temporary's name instead.
        chmodSync(join(root, 'packages/utils'), 0o755);
        mkdirSync(join(root, 'packages/utils/package.json.heapwise-init.tmp'));
      }
      const expected = snapshot(root);
      expect(() => applyInit(plan)).toThrow();
      expect(snapshot(root)).toEqual(process.getuid?.() === 0 ? expected : before);
    } finally {
      // Writable again, so that the fixture can be removed.
      chmodSync(join(root, 'packages/utils'), 0o755);
    }
  });
});

describe('heapwise init (CLI)', () => {
  it('--dry-run prints the diff, writes nothing; then init applies; a second init has nothing to change', async () => {
    const root = fixture(npmWorkspace());
    const before = snapshot(root);
    const dry = await runMain(['init', '--dry-run'], { cwd: root });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('+++ b/.node-options');
    expect(dry.stdout).toContain('-    "build": "node --max-old-space-size=8192 ./scripts/build.js",');
    expect(dry.stdout).toContain('9 files would change (dry run: nothing was written)');
    expect(snapshot(root)).toEqual(before);

    const real = await runMain(['init'], { cwd: root });
    expect(real.code).toBe(0);
    expect(real.stdout).toBe(
      dry.stdout.replace(
        '9 files would change (dry run: nothing was written).',
        '9 files changed.\nnext: run `npm install` for the new dev dependencies, then `npx heapwise doctor`.',
      ),
    );
    expect(readFileSync(join(root, '.node-options'), 'utf8')).toContain('--max-old-space-size=8192');

    const again = await runMain(['init'], { cwd: root });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to change');
    expect(again.stdout).not.toContain('+++');
  });

  it('exits 2 with one line naming the broken file', async () => {
    const root = fixture({ ...npmWorkspace(), 'packages/ui/tsconfig.json': '{ "compilerOptions": ' });
    const before = snapshot(root);
    const result = await runMain(['init'], { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('packages/ui/tsconfig.json:1:');
    expect(result.stdout).toBe('');
    expect(snapshot(root)).toEqual(before);
  });
});

describe('heapwise init on a workspace that contains the heapwise packages themselves', () => {
  it('adds no dev dependency that would make the package graph cyclic', () => {
    const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
    const root = fixture({
      'package.json': json({ name: 'self', private: true, workspaces: ['packages/*'] }),
      'turbo.json': '{ "globalPassThroughEnv": ["NODE_OPTIONS", "GOMEMLIMIT", "HEAPWISE_*"], "tasks": {} }\n',
      // The CLI is built with the presets…
      'packages/node-options/package.json': json({
        name: '@heapwise/node-options',
        scripts: { build: 'tsc -b' },
        devDependencies: { '@heapwise/tsconfig': '*' },
      }),
      'packages/node-options/tsconfig.json': '{ "extends": "@heapwise/tsconfig/adopt.json" }\n',
      // …and the presets' tests run through the CLI: declaring it would close a cycle.
      'packages/tsconfig/package.json': json({ name: '@heapwise/tsconfig', scripts: { test: 'vitest run' } }),
    });
    applyInit(planInit(root, { versionRange: '^1.2.3' }));
    expect(pkg(root, 'packages/tsconfig')).toEqual({
      name: '@heapwise/tsconfig',
      scripts: { test: 'heapwise run test -- vitest run' },
    });
    expect(pkg(root, 'packages/node-options').devDependencies).toEqual({ '@heapwise/tsconfig': '*' });
  });
});
