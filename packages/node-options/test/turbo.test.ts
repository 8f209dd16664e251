import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cgroupV2Root, cleanEnv, fixtureDir, GIB, runCli } from './helpers.js';

// A stand-in `turbo` on PATH that reports how it was called: heapwise's part ends at spawning it.
const FAKE_TURBO = `#!/usr/bin/env node
console.log(JSON.stringify({
  argv: process.argv.slice(2),
  concurrency: process.env.HEAPWISE_CONCURRENCY,
  telemetry: process.env.TURBO_TELEMETRY_DISABLED,
}));
process.exit(Number(process.env.FAKE_TURBO_EXIT ?? 0));
`;

const PROFILE =
  '[build]\n--max-old-space-size=4096\n[test]\n--max-old-space-size=2048\n[lint]\n--max-old-space-size=512\n';
const TURBO_JSON = JSON.stringify({
  // comments are allowed in turbo.json
  tasks: { build: { dependsOn: ['^build'] }, test: { dependsOn: ['^build'] }, lint: {} },
});

function setup(memoryBytes: number): { cwd: string; env: NodeJS.ProcessEnv } {
  const cwd = fixtureDir({
    '.node-options': PROFILE,
    'turbo.json': `// turbo\n${TURBO_JSON}`,
    'bin/turbo': FAKE_TURBO,
  });
  chmodSync(join(cwd, 'bin', 'turbo'), 0o755);
  const env = cleanEnv({
    PATH: `${join(cwd, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
    HEAPWISE_CGROUP_ROOT: cgroupV2Root(memoryBytes),
  });
  return { cwd, env };
}

interface TurboCall {
  argv: string[];
  concurrency: string;
  telemetry: string;
}

const cpuCap = Math.min(10, Math.max(2, availableParallelism()));

describe('heapwise turbo', () => {
  it('fits the largest heap of the tasks and their dependencies, capped by the CPUs', async () => {
    const { cwd, env } = setup(16 * GIB); // 12 GiB usable: 3 × 4096 (build, which test depends on)
    const result = await runCli(['turbo', 'test', '--filter=@x/y'], { cwd, env });
    expect(result.code).toBe(0);
    const expected = Math.min(3, cpuCap);
    expect(JSON.parse(result.stdout)).toEqual({
      argv: ['run', 'test', '--concurrency', String(expected), '--filter=@x/y'],
      concurrency: String(expected),
      telemetry: '1',
    } satisfies TurboCall);
    expect(result.stderr).toMatch(new RegExp(`^heapwise: turbo --concurrency ${expected} \\(.*fits 3 × 4096 MB`));
  });

  it('without a heavy dependency the small heap decides: lint alone', async () => {
    const { cwd, env } = setup(2 * GIB); // 1536 MB usable: 3 × 512
    const result = await runCli(['turbo', 'lint', '--concurrency', '8'], { cwd, env });
    expect((JSON.parse(result.stdout) as TurboCall).argv).toEqual(['run', 'lint', '--concurrency', '3']);
  });

  it("never exceeds the user's --concurrency, and goes down to 1 when one heap barely fits", async () => {
    const roomy = setup(16 * GIB); // 12 GiB usable: 24 × 512 MB (lint)
    const capped = await runCli(['turbo', 'build', '--concurrency=1'], roomy);
    expect(JSON.parse(capped.stdout)).toMatchObject({ argv: ['run', 'build', '--concurrency', '1'], concurrency: '1' });
    const many = await runCli(['turbo', 'lint', '--concurrency', '9'], roomy);
    expect(JSON.parse(many.stdout)).toMatchObject({ argv: ['run', 'lint', '--concurrency', '9'], concurrency: '9' });

    const tight = setup(7 * GIB); // 5376 MB usable: one 4096 MB build at a time
    const one = await runCli(['turbo', 'build', 'test', '--concurrency', '4'], tight);
    expect(JSON.parse(one.stdout)).toMatchObject({
      argv: ['run', 'build', 'test', '--concurrency', '1'],
      concurrency: '1',
    });
  });

  it('goes above the memory fit when turbo needs it for persistent tasks, and says so', async () => {
    const { cwd, env } = setup(7 * GIB); // one 4096 MB heap fits; two dev servers run regardless
    writeFileSync(join(cwd, 'turbo.json'), JSON.stringify({ tasks: { dev: { persistent: true, cache: false } } }));
    writeFileSync(join(cwd, '.node-options'), '[dev]\n--max-old-space-size=4096\n');
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ workspaces: ['services/*'] }));
    for (const name of ['a', 'b']) {
      mkdirSync(join(cwd, 'services', name), { recursive: true });
      writeFileSync(
        join(cwd, 'services', name, 'package.json'),
        JSON.stringify({ scripts: { dev: 'node server.js' } }),
      );
    }
    const result = await runCli(['turbo', 'dev'], { cwd, env });
    expect(JSON.parse(result.stdout)).toMatchObject({ argv: ['run', 'dev', '--concurrency', '3'], concurrency: '3' });
    expect(result.stderr).toContain(
      'heapwise: 2 persistent task(s) run at once: turbo needs --concurrency 3; heaps are fitted to that share',
    );
  });

  it('counts only the persistent tasks --filter selects: one dev server of four', async () => {
    const { cwd, env } = setup(7 * GIB); // one 4096 MB heap fits
    writeFileSync(join(cwd, 'turbo.json'), JSON.stringify({ tasks: { dev: { persistent: true, cache: false } } }));
    writeFileSync(join(cwd, '.node-options'), '[dev]\n--max-old-space-size=4096\n');
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ workspaces: ['apps/*', 'packages/*'] }));
    const packages: Record<string, object> = {
      'apps/remix': { name: '@x/remix', scripts: { dev: 'remix dev' }, dependencies: { '@x/ui': '*' } },
      'apps/web': { name: '@x/web', scripts: { dev: 'next dev' } },
      'apps/docs': { name: '@x/docs', scripts: { dev: 'next dev' } },
      'packages/ui': { name: '@x/ui', scripts: { dev: 'tsc -w' } },
    };
    for (const [dir, manifest] of Object.entries(packages)) {
      mkdirSync(join(cwd, dir), { recursive: true });
      writeFileSync(join(cwd, dir, 'package.json'), JSON.stringify(manifest));
    }
    const call = async (...args: string[]) =>
      JSON.parse((await runCli(['turbo', ...args], { cwd, env })).stdout) as TurboCall;
    // One dev server: turbo needs 2 (more than the persistent tasks), not 5.
    expect(await call('dev', '--filter=@x/remix')).toMatchObject({
      argv: ['run', 'dev', '--concurrency', '2', '--filter=@x/remix'],
      concurrency: '2',
    });
    // Options before the task name, as turbo accepts them; `...` brings the dependency's dev task.
    expect(await call('--filter', '@x/remix...', 'dev')).toMatchObject({
      argv: ['run', 'dev', '--concurrency', '3', '--filter', '@x/remix...'],
    });
    expect(await call('dev', '--filter=./apps/*', '--filter=!@x/docs')).toMatchObject({ concurrency: '3' });
    // Unfiltered: all four.
    expect(await call('dev')).toMatchObject({ concurrency: '5' });
    // A git range is not evaluated: every package counts, and stderr says so.
    const ranged = await runCli(['turbo', 'dev', '--filter=[HEAD^1]'], { cwd, env });
    expect(JSON.parse(ranged.stdout)).toMatchObject({ concurrency: '5' });
    expect(ranged.stderr).toContain('--filter=[HEAD^1] (a git range) is not evaluated here');
  });

  it('passes options before the task and `--` arguments through in order', async () => {
    const { cwd, env } = setup(16 * GIB);
    const result = await runCli(['turbo', '--filter=web', 'build', '--', '--fix'], { cwd, env });
    expect(result.code).toBe(0);
    const argv = (JSON.parse(result.stdout) as TurboCall).argv;
    expect(argv.slice(0, 2)).toEqual(['run', 'build']);
    expect(argv.slice(4)).toEqual(['--filter=web', '--', '--fix']);
  });

  it("returns turbo's exit code, and exit 2 without a task", async () => {
    const { cwd, env } = setup(16 * GIB);
    expect((await runCli(['turbo', 'build'], { cwd, env: { ...env, FAKE_TURBO_EXIT: '3' } })).code).toBe(3);
    const none = await runCli(['turbo', '--concurrency', '2'], { cwd, env });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('heapwise: turbo: missing <task> (e.g. heapwise turbo build)\n');
  });
});
