import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureDir, GIB, repoRoot, runMain } from './helpers.js';

const PROFILE =
  '--enable-source-maps\n[build]\n--max-old-space-size=4096\n[test]\n--max-old-space-size=2048\n--expose-gc\n';
const major = process.versions.node.split('.')[0];

/** A small monorepo: packages that extend the presets in every way tsc allows, and one that does not. */
function monorepo(): string {
  return fixtureDir({
    'package.json': JSON.stringify({ name: 'fixture', private: true, workspaces: ['packages/*', 'services/*'] }),
    '.nvmrc': `${major}\n`,
    '.node-options': PROFILE,
    'tsconfig.shared.json': '{ "extends": "@heapwise/tsconfig/library.json" }',
    'node_modules/@acme/tsconfig/base.json':
      '{ /* a team preset on top of ours */ "extends": "@heapwise/tsconfig/base.json" }',
    'packages/direct/package.json': '{}',
    'packages/direct/tsconfig.json': '{ "extends": "@heapwise/tsconfig/library.json" }',
    'packages/relative/package.json': '{}',
    'packages/relative/tsconfig.json': '// chain through a relative file\n{ "extends": "../../tsconfig.shared" }',
    'packages/array/package.json': '{}',
    'packages/array/tsconfig.json': '{ "extends": ["@tsconfig/node20/tsconfig.json", "../../tsconfig.shared.json"] }',
    'packages/team/package.json': '{}',
    'packages/team/tsconfig.json': '{ "extends": "@acme/tsconfig/base.json", }',
    'packages/json-only/package.json': '{}',
    'services/api/package.json': '{}',
    'services/api/tsconfig.json': '{ "extends": "@heapwise/tsconfig/service.json" }',
  });
}

describe('heapwise sync', () => {
  it('--check fails on a missing or changed copy, and passes after sync', async () => {
    const root = monorepo();
    const missing = await runMain(['sync', '--check'], { cwd: root });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('services/api/.node-options: missing .node-options');

    const sync = await runMain(['sync'], { cwd: join(root, 'packages', 'direct') });
    expect(sync.code).toBe(0);
    expect(sync.stdout).toContain('created services/api/.node-options');
    expect(readFileSync(join(root, 'services', 'api', '.node-options'), 'utf8')).toBe(PROFILE);
    expect((await runMain(['sync', '--check'], { cwd: root })).code).toBe(0);

    writeFileSync(join(root, 'services', 'api', '.node-options'), PROFILE.replace('2048', '1024'));
    const changed = await runMain(['sync', '--check'], { cwd: root });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toBe(
      'services/api/.node-options: differs from .node-options\n' +
        'heapwise sync --check: 1 of 1 copy out of date (run heapwise sync)\n',
    );
    expect((await runMain(['sync'], { cwd: root })).stdout).toContain('updated services/api/.node-options');
    expect((await runMain(['sync', '--check'], { cwd: root })).code).toBe(0);
  });
});

describe('heapwise sync in a pnpm workspace', () => {
  it('finds services through pnpm-workspace.yaml, exclusions applied', async () => {
    const root = fixtureDir({
      'package.json': JSON.stringify({ name: 'fixture', private: true }),
      'pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n  - 'services/*'\n  - '!services/legacy'\n",
      '.node-options': PROFILE,
      'services/api/package.json': '{}',
      'services/legacy/package.json': '{}',
    });
    const sync = await runMain(['sync'], { cwd: join(root, 'services', 'api') });
    expect(sync.code).toBe(0);
    expect(readFileSync(join(root, 'services', 'api', '.node-options'), 'utf8')).toBe(PROFILE);
    expect(sync.stdout).not.toContain('services/legacy');
    expect((await runMain(['sync', '--check'], { cwd: root })).code).toBe(0);
  });
});

describe('heapwise doctor', () => {
  it('passes on a healthy monorepo and prints the plan', async () => {
    const root = monorepo();
    await runMain(['sync'], { cwd: root });
    const result = await runMain(['doctor', '--memory', '16g'], { cwd: root });
    expect(result.stdout).toContain(`ok      Node ${process.version} matches .nvmrc (${major})`);
    expect(result.stdout).toContain(
      'ok      memory limit 16 GiB (option: --memory 16g); × 0.75 headroom = 12 GiB usable',
    );
    expect(result.stdout).toMatch(/ok {6}\[build\] 4096 MB requested; \d+ at once → \d+ MB each: fits/);
    expect(result.stdout).toContain(
      'ok      5 workspace tsconfig.json file(s) extend @heapwise/tsconfig (no tsconfig.json: packages/json-only)',
    );
    expect(result.stdout).toContain('ok      services/api/.node-options matches the root .node-options');
    expect(result.code).toBe(0);
  });

  it('exits 1 naming each problem: tsconfig, service copy, invalid flag, a budget that does not fit', async () => {
    const root = monorepo();
    writeFileSync(join(root, 'packages', 'team', 'tsconfig.json'), '{ "extends": "@tsconfig/node20/tsconfig.json" }');
    writeFileSync(join(root, '.node-options'), `${PROFILE}--gc-interval=10\n`);
    const result = await runMain(['doctor', '--memory', '7g', '--concurrency', '4'], { cwd: root });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('problem packages/team/tsconfig.json does not extend @heapwise/tsconfig (chain: ');
    expect(result.stdout).toContain('problem services/api/.node-options is missing (run heapwise sync)');
    expect(result.stdout).toMatch(/problem \.node-options:7: --gc-interval is not allowed in NODE_OPTIONS/);
    expect(result.stdout).toContain(
      'problem [build] 4096 MB requested; 4 at once → 1344 MB each: ' +
        'would be lowered to 1344 MB (run fewer at once: --concurrency 1, or give it more memory)',
    );
    expect(result.stdout).toMatch(/\n5 problem\(s\), \d warning\(s\)\n$/);
  });

  it('--json: one object with the plan and the checks', async () => {
    const root = monorepo();
    await runMain(['sync'], { cwd: root });
    const result = await runMain(['doctor', '--json', '--memory', '8g', '--concurrency', '2'], { cwd: root });
    expect(result.code).toBe(1); // build's 4096 MB does not fit a 3072 MB share
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      problems: number;
      memory: { limitBytes: number; source: string };
      tasks: { task: string; requestedHeapMb: number; perTaskMb: number; fits: boolean }[];
      checks: { status: string }[];
    };
    expect(report).toMatchObject({ ok: false, problems: 1 });
    expect(report.memory).toMatchObject({ limitBytes: 8 * 1024 ** 3, source: 'option' });
    expect(report.tasks).toEqual([
      expect.objectContaining({ task: 'build', requestedHeapMb: 4096, perTaskMb: 3072, fits: false, concurrency: 2 }),
      expect.objectContaining({ task: 'test', requestedHeapMb: 2048, perTaskMb: 3072, fits: true }),
    ]);
  });

  it('plans a [package#task] section as run resolves it there, and warns on one that applies to nothing', async () => {
    const root = monorepo();
    writeFileSync(
      join(root, 'packages/direct/package.json'),
      JSON.stringify({ name: '@acme/direct', scripts: { build: 'tsc -b' } }),
    );
    writeFileSync(
      join(root, '.node-options'),
      `${PROFILE}[@acme/direct#build]\n--max-old-space-size=7000\n[@acme/gone#build]\n--max-old-space-size=6000\n`,
    );
    await runMain(['sync'], { cwd: root });
    const args = ['--memory', '16g', '--concurrency', '2'];
    const result = await runMain(['doctor', ...args], { cwd: root });
    expect(result.stdout).toContain(
      'problem [@acme/direct#build] 7000 MB requested; 2 at once → 6144 MB each: would be lowered to 6144 MB',
    );
    expect(result.stdout).toContain(
      'warn    .node-options:9: [@acme/gone#build]: no workspace package is named @acme/gone',
    );
    expect(result.code).toBe(1);
    const report = JSON.parse((await runMain(['doctor', '--json', ...args], { cwd: root })).stdout);
    expect(report.tasks).toContainEqual(
      expect.objectContaining({ task: 'build', package: '@acme/direct', requestedHeapMb: 7000, heapMb: 6144 }),
    );
    expect(report.tasks).toContainEqual(expect.objectContaining({ task: 'build', package: null, heapMb: 4096 }));
  });

  it.runIf(major === '20')('warns that Node 20 is past its end of life (2026-04-30) without failing', async () => {
    const root = monorepo();
    await runMain(['sync'], { cwd: root });
    const result = await runMain(['doctor', '--memory', '16g'], { cwd: root });
    expect(result.stdout).toContain('warn    Node 20 reached end of life on 2026-04-30: move to Node 22 or 24');
    expect(result.code).toBe(0);
  });

  it('passes on this repository (every workspace extends the presets, services carry the copy)', async () => {
    // The machine's memory is injected: the repository's heaps must fit a 16 GiB runner, whatever runs this.
    const result = await runMain(['doctor'], { cwd: repoRoot, memoryLimitBytes: 16 * GIB, cpus: 2 });
    expect(result.stdout).toMatch(/\n0 problem\(s\)/);
    expect(result.code).toBe(0);
  });
});
