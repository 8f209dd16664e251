// init on the repository shapes that broke adoption: package managers it does not support, pnpm
// catalogs (with the workspace's own catalog check), symlinked manifests, a leftover temporary file,
// a byte order mark, absurd heap sizes, and every root script that runs turbo.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNodeOptions } from '../src/node-options-file.js';
import { applyInit, InitError, planInit } from '../src/init/index.js';
import { runMain } from './helpers.js';
import { fixture, json, read, repoRoot, snapshot, type Files } from './init-fixtures.js';

const TURBO = json({ tasks: { build: {}, dev: { persistent: true } } });

function npmRoot(extra: Files = {}, manifest: object = {}): Files {
  return {
    'package.json': json({
      name: 'r',
      private: true,
      workspaces: ['packages/*'],
      scripts: { build: 'turbo run build' },
      ...manifest,
    }),
    'turbo.json': TURBO,
    'packages/a/package.json': json({ name: 'a', scripts: { build: 'tsc -b' } }),
    ...extra,
  };
}

describe('package managers', () => {
  it.each([
    ['packageManager yarn@3.2.1', npmRoot({}, { packageManager: 'yarn@3.2.1' }), /"packageManager": "yarn@3\.2\.1"/],
    ['.yarnrc.yml', npmRoot({ '.yarnrc.yml': 'nodeLinker: node-modules\n' }), /\.yarnrc\.yml is there \(yarn\)/],
    ['yarn.lock (yarn 1)', npmRoot({ 'yarn.lock': '# yarn lockfile v1\n' }), /yarn\.lock is there \(yarn\)/],
    ['bun.lockb', npmRoot({ 'bun.lockb': 'x' }), /bun\.lockb is there \(bun\)/],
    ['packageManager bun@1.2.0', npmRoot({}, { packageManager: 'bun@1.2.0' }), /"packageManager": "bun@1\.2\.0"/],
  ])('%s: refused in one line, nothing written', (_name, files, reason) => {
    const root = fixture(files);
    const before = snapshot(root);
    expect(() => planInit(root)).toThrow(InitError);
    expect(() => planInit(root)).toThrow(reason);
    expect(() => planInit(root)).toThrow(/supports npm and pnpm workspaces only.*Nothing was changed\.$/);
    expect(snapshot(root)).toEqual(before);
  });
});

describe('pnpm catalogs', () => {
  // The workspace's own rule, as catalog-using repositories lint it: every external dependency is a
  // `catalog:` reference that the catalog defines.
  const CHECK = `import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
const catalog = parse(readFileSync('pnpm-workspace.yaml', 'utf8')).catalog ?? {};
const manifests = ['package.json', ...readdirSync('packages').map((d) => 'packages/' + d + '/package.json')];
const bad = [];
for (const file of manifests) {
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  for (const field of ['dependencies', 'devDependencies']) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      if (range.startsWith('workspace:')) continue;
      if (range !== 'catalog:' || !(name in catalog)) bad.push(file + ': ' + name + '@' + range);
    }
  }
}
if (bad.length > 0) { console.error(bad.join('\\n')); process.exit(1); }
`;
  const files = (): Files => ({
    'package.json': json({
      name: 'cat',
      private: true,
      packageManager: 'pnpm@10.12.1',
      scripts: { build: 'turbo run build' },
      devDependencies: { turbo: 'catalog:' },
    }),
    'pnpm-workspace.yaml':
      "packages:\n  - 'packages/*'\n\n" +
      'catalog:\n  turbo: ^2.5.0 # the build\n  zod: 3.24.1\n\n' +
      'onlyBuiltDependencies:\n  - esbuild\n',
    'turbo.json': TURBO,
    'check-catalog.mjs': CHECK,
    'packages/a/package.json': json({
      name: 'a',
      scripts: { build: 'tsc -b' },
      dependencies: { zod: 'catalog:', b: 'workspace:*' },
    }),
    'packages/a/tsconfig.json': '{}\n',
    'packages/b/package.json': json({ name: 'b', scripts: { test: 'vitest run' } }),
  });

  it("adds the heapwise packages as catalog: references and to the catalog; the workspace's check passes", () => {
    const root = fixture(files());
    const check = () => execFileSync(process.execPath, ['check-catalog.mjs'], { cwd: root });
    // The check's yaml resolves from this repository's node_modules.
    mkdirSync(join(root, 'node_modules'), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules', 'yaml'), join(root, 'node_modules', 'yaml'), 'dir');
    check();
    applyInit(planInit(root, { versionRange: '^1.2.3' }));
    check();
    expect(JSON.parse(read(root, 'packages/a/package.json')).devDependencies).toEqual({
      '@heapwise/node-options': 'catalog:',
      '@heapwise/tsconfig': 'catalog:',
    });
    expect(JSON.parse(read(root, 'package.json')).devDependencies).toEqual({
      '@heapwise/node-options': 'catalog:',
      turbo: 'catalog:',
    });
    // Two lines added at the end of the catalog block; every other byte kept.
    expect(read(root, 'pnpm-workspace.yaml')).toBe(
      "packages:\n  - 'packages/*'\n\n" +
        'catalog:\n  turbo: ^2.5.0 # the build\n  zod: 3.24.1\n' +
        '  "@heapwise/node-options": "^1.2.3"\n  "@heapwise/tsconfig": "^1.2.3"\n\n' +
        'onlyBuiltDependencies:\n  - esbuild\n',
    );
    // A second run changes nothing.
    expect(planInit(root, { versionRange: '^1.2.3' }).changes).toEqual([]);
  });

  it('without a catalog, plain version ranges', () => {
    const base = files();
    const root = fixture({ ...base, 'pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n" });
    applyInit(planInit(root, { versionRange: '^1.2.3' }));
    expect(JSON.parse(read(root, 'packages/b/package.json')).devDependencies).toEqual({
      '@heapwise/node-options': '^1.2.3',
    });
  });
});

describe('files', () => {
  it('a symlinked package.json and tsconfig.json stay symlinks; their targets get the change', () => {
    const root = fixture(
      npmRoot({
        'linked-configs/a.package.json': json({ name: 'a', scripts: { build: 'tsc -b' } }),
        'linked-configs/tsconfig.json': '{}\n',
      }),
    );
    const manifest = join(root, 'packages/a/package.json');
    execFileSync('rm', [manifest]);
    symlinkSync('../../linked-configs/a.package.json', manifest);
    symlinkSync('../../linked-configs/tsconfig.json', join(root, 'packages/a/tsconfig.json'));
    applyInit(planInit(root, { versionRange: '^1.2.3' }));
    expect(lstatSync(manifest).isSymbolicLink()).toBe(true);
    expect(readlinkSync(manifest)).toBe('../../linked-configs/a.package.json');
    expect(JSON.parse(read(root, 'linked-configs/a.package.json')).scripts.build).toBe('heapwise run build -- tsc -b');
    expect(lstatSync(join(root, 'packages/a/tsconfig.json')).isSymbolicLink()).toBe(true);
    expect(read(root, 'linked-configs/tsconfig.json')).toContain('@heapwise/tsconfig/adopt.json');
  });

  it('a leftover temporary file: a clear message naming it, and nothing written', () => {
    const root = fixture(npmRoot({ 'packages/a/package.json.heapwise-init.tmp': 'half' }));
    const plan = planInit(root);
    const before = snapshot(root);
    expect(() => applyInit(plan)).toThrow(InitError);
    expect(() => applyInit(plan)).toThrow(
      /package\.json\.heapwise-init\.tmp is left over from an interrupted heapwise init: remove it/,
    );
    expect(snapshot(root)).toEqual(before);
  });

  it('a package.json with a byte order mark is read as npm reads it, and keeps its mark', () => {
    const root = fixture(npmRoot());
    writeFileSync(join(root, 'packages/a/package.json'), `\uFEFF${json({ name: 'a', scripts: { build: 'tsc -b' } })}`);
    writeFileSync(join(root, 'package.json'), `\uFEFF${read(root, 'package.json')}`);
    applyInit(planInit(root, { versionRange: '^1.2.3' }));
    const text = readFileSync(join(root, 'packages/a/package.json'), 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(JSON.parse(text.slice(1)).scripts.build).toBe('heapwise run build -- tsc -b');
  });
});

describe('sizes and root scripts', () => {
  it('an absurd heap size is left in its script and reported; the .node-options written is valid', () => {
    const root = fixture(
      npmRoot({
        'packages/a/package.json': json({
          name: 'a',
          scripts: {
            build: 'node --max-old-space-size=4.096e+23 build.js',
            test: 'NODE_OPTIONS=--max-old-space-size=99999999999 vitest',
          },
        }),
      }),
    );
    const plan = planInit(root);
    applyInit(plan);
    const { problems } = parseNodeOptions(read(root, '.node-options'), { file: '.node-options' });
    expect(problems).toEqual([]);
    expect(read(root, '.node-options')).not.toMatch(/e\+23|99999999999/);
    expect(JSON.parse(read(root, 'packages/a/package.json')).scripts.build).toBe(
      'node --max-old-space-size=4.096e+23 build.js',
    );
    expect(plan.notes.join('\n')).toContain("'--max-old-space-size=4.096e+23' is not a heap size init can move");
    expect(plan.notes.join('\n')).toContain("'--max-old-space-size=99999999999'");
  });

  it('every root script that runs turbo goes through heapwise turbo, whatever its name; the rest is reported', () => {
    const root = fixture(
      npmRoot(
        {},
        {
          scripts: {
            build: 'turbo run build',
            'dev:remix': 'turbo run dev --filter=@x/remix',
            ci: 'turbo run lint typecheck test --continue',
            'build:force': 'turbo build --force',
            'test:packages': 'dotenv -- turbo run test --filter=./packages/*',
            watch: 'turbo watch dev',
            prune: 'turbo prune web --docker',
            'build:web': 'NODE_OPTIONS=--max-old-space-size=8192 next build',
          },
        },
      ),
    );
    const plan = planInit(root);
    applyInit(plan);
    expect(JSON.parse(read(root, 'package.json')).scripts).toEqual({
      build: 'heapwise turbo build',
      'dev:remix': 'heapwise turbo dev --filter=@x/remix',
      ci: 'heapwise turbo lint typecheck test --continue',
      'build:force': 'heapwise turbo build --force',
      'test:packages': 'dotenv -- heapwise turbo test --filter=./packages/*',
      watch: 'turbo watch dev',
      prune: 'turbo prune web --docker',
      'build:web': 'NODE_OPTIONS=--max-old-space-size=8192 next build',
    });
    const notes = plan.notes.join('\n');
    expect(notes).toContain('package.json: script "watch" left as it is: `turbo watch` is not routed');
    expect(notes).toContain('package.json: script "build:web" left as it is:');
    expect(notes).not.toContain('"prune"');
  });
});

describe('one oversized request stays its package', () => {
  it("init writes [package#task]; heapwise run gives that package its request, every other the task's", async () => {
    const root = fixture(
      npmRoot({
        'packages/a/package.json': json({ name: 'a', scripts: { build: 'tsc -b' } }),
        'packages/big/package.json': json({
          name: '@x/big',
          scripts: { build: 'cross-env NODE_OPTIONS=--max-old-space-size=8192 vite build' },
        }),
      }),
    );
    applyInit(planInit(root, { versionRange: '^1.2.3' }));
    expect(read(root, '.node-options')).toContain('[build]\n--max-old-space-size=4096\n');
    expect(read(root, '.node-options')).toContain('[@x/big#build]\n--max-old-space-size=8192\n');
    const requested = async (dir: string) => {
      // The child writes what it was given (its stdout is not ours: run passes stdio through).
      const script = "require('node:fs').writeFileSync('seen.txt', process.env.NODE_OPTIONS)";
      const result = await runMain(['run', 'build', '--', process.execPath, '-e', script], {
        cwd: join(root, dir),
        memoryLimitBytes: 64 * 1024 ** 3,
      });
      expect(result.code, result.stderr).toBe(0);
      return /--max-old-space-size=(\d+)/.exec(read(root, `${dir}/seen.txt`))?.[1];
    };
    // The package is found from its package.json (npm and pnpm also set npm_package_name).
    expect(await requested('packages/big')).toBe('8192');
    expect(await requested('packages/a')).toBe('4096');
  });
});
