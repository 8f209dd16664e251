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
  persistent: process.env.HEAPWISE_PERSISTENT,
  memory: process.env.HEAPWISE_MEMORY ?? null,
  ledger: process.env.HEAPWISE_LEDGER,
  runId: process.env.HEAPWISE_RUN_ID,
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
  persistent: string;
  memory: string | null;
  ledger: string;
  runId: string;
}

const cpuCap = Math.min(10, Math.max(2, availableParallelism()));

describe('heapwise turbo', () => {
  it('runs turbo at the CPU cap and leaves memory to the pool, passing the ledger, run id and persistent tasks', async () => {
    const { cwd, env } = setup(16 * GIB);
    const result = await runCli(['turbo', 'test', '--filter=@x/y'], { cwd, env });
    expect(result.code).toBe(0);
    const call = JSON.parse(result.stdout) as TurboCall;
    expect(call).toMatchObject({
      argv: ['run', 'test', '--concurrency', String(cpuCap), '--filter=@x/y'],
      concurrency: String(cpuCap),
      telemetry: '1',
      persistent: '',
      memory: null,
      ledger: join(cwd, 'node_modules', '.cache', 'heapwise', 'ledger.json'),
    });
    expect(call.runId).toMatch(/^\d{8}T\d{6}-\d+$/);
    expect(result.stderr).toMatch(
      new RegExp(
        `^heapwise: turbo --concurrency ${cpuCap} \\(cap min\\(10, max\\(2, \\d+ CPUs\\)\\) = ${cpuCap}\\); memory decides what runs together: 12 GiB pool \\(16 GiB cgroup-v2 × 0.75 headroom\\)\n$`,
      ),
    );
  });

  it("keeps the user's --concurrency; --memory is heapwise's, passed to the tasks and not to turbo", async () => {
    const roomy = setup(16 * GIB);
    const capped = await runCli(['turbo', 'build', '--concurrency=1'], roomy);
    expect(JSON.parse(capped.stdout)).toMatchObject({ argv: ['run', 'build', '--concurrency', '1'], concurrency: '1' });
    const many = await runCli(['turbo', 'lint', '--concurrency', '9', '--memory', '2g', '--continue'], roomy);
    expect(JSON.parse(many.stdout)).toMatchObject({
      argv: ['run', 'lint', '--concurrency', '9', '--continue'],
      concurrency: '9',
      memory: '2g',
    });
    expect(many.stderr).toContain('1536 MiB pool (2 GiB --memory 2g × 0.75 headroom)');
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
    expect(JSON.parse(result.stdout)).toMatchObject({
      argv: ['run', 'dev', '--concurrency', '3'],
      concurrency: '3',
      persistent: 'dev',
    });
    expect(result.stderr).toContain(
      'heapwise: 2 persistent task(s) run at once: turbo needs --concurrency 3; heaps are fitted to that share',
    );
  });

  it("returns turbo's exit code, and exit 2 without a task", async () => {
    const { cwd, env } = setup(16 * GIB);
    expect((await runCli(['turbo', 'build'], { cwd, env: { ...env, FAKE_TURBO_EXIT: '3' } })).code).toBe(3);
    const none = await runCli(['turbo', '--concurrency', '2'], { cwd, env });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('heapwise: turbo: missing <task> (e.g. heapwise turbo build)\n');
  });
});
