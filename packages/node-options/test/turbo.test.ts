import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, fixtureDir, GIB, runMain, type MainResult } from './helpers.js';

// A stand-in `turbo` on PATH that writes down how it was called (HEAPWISE_CONCURRENCY,
// TURBO_TELEMETRY_DISABLED, HEAPWISE_PERSISTENT, HEAPWISE_MEMORY or '-', HEAPWISE_LEDGER,
// HEAPWISE_RUN_ID, then one argument per line): heapwise's part ends at spawning it. heapwise runs
// in-process; turbo is a real child process, a shell script because a Node one would cost a Node
// start-up per call.
const FAKE_TURBO = `#!/bin/sh
{
  printf '%s\\n' "$HEAPWISE_CONCURRENCY" "$TURBO_TELEMETRY_DISABLED" "$HEAPWISE_PERSISTENT" "\${HEAPWISE_MEMORY:--}"
  printf '%s\\n' "$HEAPWISE_LEDGER" "$HEAPWISE_RUN_ID"
  printf '%s\\n' "$@"
} > "$FAKE_TURBO_REPORT"
exit "\${FAKE_TURBO_EXIT:-0}"
`;

const PROFILE =
  '[build]\n--max-old-space-size=4096\n[test]\n--max-old-space-size=2048\n[lint]\n--max-old-space-size=512\n';
const TURBO_JSON = JSON.stringify({
  // comments are allowed in turbo.json
  tasks: { build: { dependsOn: ['^build'] }, test: { dependsOn: ['^build'] }, lint: {} },
});

/** Two CPUs, as on the CI machine: the CPU cap is min(10, max(2, 2)) = 2 unless --concurrency says more. */
const CPUS = 2;

interface Setup {
  cwd: string;
  env: NodeJS.ProcessEnv;
  memoryLimitBytes: number;
  cpus: number;
}

function setup(memoryLimitBytes: number): Setup {
  const cwd = fixtureDir({
    '.node-options': PROFILE,
    'turbo.json': `// turbo\n${TURBO_JSON}`,
    'bin/turbo': FAKE_TURBO,
  });
  chmodSync(join(cwd, 'bin', 'turbo'), 0o755);
  const env = cleanEnv({
    PATH: `${join(cwd, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
    FAKE_TURBO_REPORT: join(cwd, 'turbo-call.json'),
  });
  return { cwd, env, memoryLimitBytes, cpus: CPUS };
}

/** heapwise turbo in-process, and how the stand-in turbo was called. */
async function heapwiseTurbo(args: string[], options: Setup): Promise<MainResult & { call: TurboCall }> {
  const result = await runMain(['turbo', ...args], options);
  const [concurrency = '', telemetry = '', persistent = '', memory = '-', ledger = '', runId = '', ...argv] =
    readFileSync(options.env.FAKE_TURBO_REPORT as string, 'utf8')
      .replace(/\n$/, '')
      .split('\n');
  return {
    ...result,
    call: { argv, concurrency, telemetry, persistent, memory: memory === '-' ? null : memory, ledger, runId },
  };
}

interface TurboCall {
  argv: string[];
  concurrency: string;
  telemetry: string;
  persistent: string;
  memory: string | null;
  ledger: string;
  runId: string;
}

describe('heapwise turbo', () => {
  it('runs turbo at the CPU cap, memory left to the pool; passes the ledger, run id, persistent tasks', async () => {
    const roomy = { ...setup(16 * GIB), cpus: 8 };
    const result = await heapwiseTurbo(['test', '--filter=@x/y'], roomy);
    expect(result.code).toBe(0);
    expect(result.call).toMatchObject({
      argv: ['run', 'test', '--concurrency', '8', '--filter=@x/y'],
      concurrency: '8',
      telemetry: '1',
      persistent: '',
      memory: null,
      ledger: join(roomy.cwd, 'node_modules', '.cache', 'heapwise', 'ledger.json'),
    });
    expect(result.call.runId).toMatch(/^\d{8}T\d{6}-\d+$/);
    expect(result.stderr).toBe(
      'heapwise: turbo --concurrency 8 (cap min(10, max(2, 8 CPUs)) = 8); memory decides what runs together: ' +
        '12 GiB pool (16 GiB cgroup-v2 × 0.75 headroom)\n',
    );
    // Two CPUs cap it at 2.
    expect((await heapwiseTurbo(['test'], setup(16 * GIB))).call.concurrency).toBe('2');
  });

  it("keeps the user's --concurrency; --memory is heapwise's, passed to the tasks and not to turbo", async () => {
    const roomy = setup(16 * GIB);
    const capped = await heapwiseTurbo(['build', '--concurrency=1'], roomy);
    expect(capped.call).toMatchObject({ argv: ['run', 'build', '--concurrency', '1'], concurrency: '1' });
    const percent = await heapwiseTurbo(['lint', '--concurrency', '200%'], roomy); // of 2 CPUs
    expect(percent.call).toMatchObject({ argv: ['run', 'lint', '--concurrency', '4'], concurrency: '4' });
    const many = await heapwiseTurbo(['lint', '--concurrency', '9', '--memory', '2g', '--continue'], roomy);
    expect(many.call).toMatchObject({
      argv: ['run', 'lint', '--concurrency', '9', '--continue'],
      concurrency: '9',
      memory: '2g',
    });
    expect(many.stderr).toContain('1536 MiB pool (2 GiB --memory 2g × 0.75 headroom)');
  });

  it('goes above the memory fit when turbo needs it for persistent tasks, and says so', async () => {
    const options = setup(7 * GIB); // one 4096 MB heap fits; two dev servers run regardless
    const { cwd } = options;
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
    const result = await heapwiseTurbo(['dev'], options);
    expect(result.call).toMatchObject({
      argv: ['run', 'dev', '--concurrency', '3'],
      concurrency: '3',
      persistent: 'dev',
    });
    expect(result.stderr).toContain(
      'heapwise: 2 persistent task(s) run at once: turbo needs --concurrency 3; heaps are fitted to that share',
    );
  });

  it('counts only the persistent tasks --filter selects: one dev server of four', async () => {
    const options = setup(7 * GIB); // one 4096 MB heap fits
    const { cwd } = options;
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
    const call = async (...args: string[]) => (await heapwiseTurbo(args, options)).call;
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
    const ranged = await heapwiseTurbo(['dev', '--filter=[HEAD^1]'], options);
    expect(ranged.call).toMatchObject({ concurrency: '5' });
    expect(ranged.stderr).toContain('--filter=[HEAD^1] (a git range) is not evaluated here');
  });

  it('passes options before the task and `--` arguments through in order', async () => {
    const result = await heapwiseTurbo(['--filter=web', 'build', '--', '--fix'], setup(16 * GIB));
    expect(result.code).toBe(0);
    const argv = result.call.argv;
    expect(argv.slice(0, 2)).toEqual(['run', 'build']);
    expect(argv.slice(4)).toEqual(['--filter=web', '--', '--fix']);
  });

  it("returns turbo's exit code, and exit 2 without a task", async () => {
    const options = setup(16 * GIB);
    const failing = { ...options, env: { ...options.env, FAKE_TURBO_EXIT: '3' } };
    expect((await heapwiseTurbo(['build'], failing)).code).toBe(3);
    const none = await runMain(['turbo', '--concurrency', '2'], options);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('heapwise: turbo: missing <task> (e.g. heapwise turbo build)\n');
  });
});
