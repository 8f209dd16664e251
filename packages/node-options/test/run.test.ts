import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  binPath,
  cgroupV2Root,
  cleanEnv,
  CLI_TIMEOUT_MS,
  fixtureDir,
  GIB,
  packageDir,
  runCli,
  runMain,
  TEST_PROFILE,
  waitFor,
} from './helpers.js';

/** util-linux script(1) gives the runner a real terminal; without it the pty case cannot be shown. */
const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript) console.log('heapwise run: skipping the Ctrl-C-in-a-terminal test: script(1) is not installed');
const SIGNAL_COUNTER = join(packageDir, 'test', 'fixtures', 'signal-counter.mjs');
/** Node adds the young generation to --max-old-space-size: 48 MB on Node 20, more on 22/24. */
const HEAP_OVERHEAD_MAX_MB = 256;
/** What the child saw, written to $CHILD_REPORT (in-process runs share the test's stdout) or printed. */
const PRINT_CHILD = `const v8 = require('node:v8');
const report = JSON.stringify({
  nodeOptions: process.env.NODE_OPTIONS,
  goMemLimit: process.env.GOMEMLIMIT,
  gc: typeof gc,
  heapLimitMb: v8.getHeapStatistics().heap_size_limit / 1048576,
  argv: process.execArgv,
});
if (process.env.CHILD_REPORT) require('node:fs').writeFileSync(process.env.CHILD_REPORT, report);
else console.log(report);`;

interface ChildReport {
  nodeOptions: string;
  goMemLimit: string;
  gc: string;
  heapLimitMb: number;
  argv: string[];
}

// A 16 GiB cgroup makes the budget independent of this machine: 12 GiB usable.
const env16g = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv =>
  cleanEnv({ HEAPWISE_CGROUP_ROOT: cgroupV2Root(16 * GIB), ...extra });

/**
 * `heapwise run <task> -- node -e PRINT_CHILD` with the CLI in-process (the child is a real process):
 * what the child saw, and what heapwise said.
 */
async function runPrintChild(
  cwd: string,
  task: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stderr: string; child: ChildReport }> {
  const report = join(cwd, `child-${task}.json`);
  const result = await runMain(['run', task, '--', 'node', '-e', PRINT_CHILD], {
    cwd,
    env: { ...env, CHILD_REPORT: report },
  });
  expect(result.stdout).toBe('');
  return { code: result.code, stderr: result.stderr, child: JSON.parse(readFileSync(report, 'utf8')) as ChildReport };
}

describe('heapwise run', () => {
  it('gives the child the test profile: heap limit, gc, GOMEMLIMIT', async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    const result = await runPrintChild(cwd, 'test', env16g());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const child = result.child;
    expect(child.heapLimitMb).toBeGreaterThanOrEqual(2048);
    expect(child.heapLimitMb).toBeLessThanOrEqual(2048 + HEAP_OVERHEAD_MAX_MB);
    expect(child.gc).toBe('function');
    expect(child.goMemLimit).toBe('2048MiB');
    expect(child.nodeOptions).toBe('--enable-source-maps --expose-gc --max-old-space-size=2048');
  });

  it('a persistent task (all run at once) gets the share of HEAPWISE_CONCURRENCY tasks, noted on stderr', async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    const result = await runPrintChild(
      cwd,
      'test',
      env16g({ HEAPWISE_CONCURRENCY: '8', HEAPWISE_PERSISTENT: 'dev,test' }),
    );
    expect(result.code).toBe(0);
    const child = result.child;
    // 16 GiB × 0.75 ÷ 8 = 1536 MB
    expect(child.heapLimitMb).toBeGreaterThanOrEqual(1536);
    expect(child.heapLimitMb).toBeLessThanOrEqual(1536 + HEAP_OVERHEAD_MAX_MB);
    expect(child.goMemLimit).toBe('1536MiB');
    expect(result.stderr).toMatch(
      new RegExp(
        String.raw`^heapwise: \[test\] requested heap 2048 MB lowered to 1536 MB to fit: 16 GiB \(cgroup-v2: .*\) ` +
          String.raw`× 0\.75 headroom ÷ 8 tasks at once = 1536 MB per task\n$`,
      ),
    );
  });

  it("appends to the caller's NODE_OPTIONS, and a flag the caller set wins with a note", async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    const kept = await runPrintChild(cwd, 'test', env16g({ NODE_OPTIONS: '--no-deprecation --title="my app"' }));
    expect(kept.code).toBe(0);
    expect(kept.child.nodeOptions).toBe(
      '--no-deprecation --title="my app" --enable-source-maps --expose-gc --max-old-space-size=2048',
    );

    const wins = await runPrintChild(
      cwd,
      'test',
      env16g({ NODE_OPTIONS: '--max-old-space-size=1024', GOMEMLIMIT: '900MiB' }),
    );
    const child = wins.child;
    expect(child.nodeOptions).toBe('--max-old-space-size=1024 --enable-source-maps --expose-gc');
    expect(child.heapLimitMb).toBeLessThanOrEqual(1024 + HEAP_OVERHEAD_MAX_MB);
    expect(child.goMemLimit).toBe('900MiB');
    expect(wins.stderr).toContain(
      "heapwise: the caller's NODE_OPTIONS sets --max-old-space-size=1024; " +
        'it wins over --max-old-space-size=2048 from .node-options:5',
    );
    expect(wins.stderr).toContain("heapwise: the caller's GOMEMLIMIT=900MiB wins over 1024MiB");
  });

  it("a nested run takes its own task's flags, not the outer run's as if they were the caller's", async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    // sh -c '"$0" "$1" run build -- node -e "$2"' node bin script: no quoting of the script needed.
    const inner = '"$0" "$1" run build -- node -e "$2"';
    const result = await runCli(['run', 'test', '--', 'sh', '-c', inner, process.execPath, binPath, PRINT_CHILD], {
      cwd,
      env: env16g({ NODE_OPTIONS: '--no-deprecation' }),
    });
    expect(result.code).toBe(0);
    const child = JSON.parse(result.stdout) as ChildReport;
    expect(child.nodeOptions).toBe('--no-deprecation --enable-source-maps --max-old-space-size=4096');
    expect(child.goMemLimit).toBe('4096MiB');
    expect(result.stderr).toBe('');
  });

  it('puts @node lines on the node command line, and refuses them for another command', async () => {
    const cwd = fixtureDir({
      '.node-options': '--enable-source-maps\n[build]\n@node --optimize-for-size\n--max-old-space-size=4096\n',
    });
    const node = await runPrintChild(cwd, 'build', env16g());
    expect(node.code).toBe(0);
    const child = node.child;
    // First the preload that reports the V8 heap after the last major GC (node commands only).
    expect(child.argv.slice(0, 4)).toEqual([
      '--require',
      join(packageDir, 'preload', 'v8-heap.cjs'),
      '--optimize-for-size',
      '-e',
    ]);
    expect(child.nodeOptions).toBe('--enable-source-maps --max-old-space-size=4096');

    const other = await runMain(['run', 'build', '--', 'sh', '-c', 'echo started'], { cwd, env: env16g() });
    expect(other.code).toBe(2);
    expect(other.stdout).toBe('');
    expect(other.stderr).toBe(
      ".node-options:3: '@node --optimize-for-size' is for the node command line only, " +
        "and [build] runs 'sh', not node\n",
    );
  });

  it("exits with the child's code, 127 when it cannot start", async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    expect((await runCli(['run', 'test', '--', 'node', '-e', 'process.exit(7)'], { cwd, env: env16g() })).code).toBe(7);
    const missing = await runCli(['run', 'test', '--', 'heapwise-no-such-command'], { cwd, env: env16g() });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toBe("heapwise: cannot run 'heapwise-no-such-command': command not found\n");
  });
});

describe('heapwise run: signals reach the child exactly once', () => {
  it('SIGTERM sent to the runner alone: the child gets one, and the exit code says SIGTERM (143)', async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    const result = await runCli(['run', 'test', '--', 'node', SIGNAL_COUNTER, 'SIGTERM'], {
      cwd,
      env: env16g(),
      onSpawn: (child, readStdout) => {
        void waitFor(readStdout, 'ready').then(() => child.kill('SIGTERM'));
      },
    });
    expect(result.stdout).toBe('ready\nreceived SIGTERM 1\n');
    expect(result.code).toBe(143);
  });

  it('SIGINT to the whole process group (as a CI timeout or kill -INT -PGID sends it): one, exit 130', async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    const result = await runCli(['run', 'test', '--', 'node', SIGNAL_COUNTER, 'SIGINT'], {
      cwd,
      env: env16g(),
      spawn: { detached: true }, // the runner leads a new process group, as a shell job would
      onSpawn: (child, readStdout) => {
        void waitFor(readStdout, 'ready').then(() => process.kill(-(child.pid as number), 'SIGINT'));
      },
    });
    expect(result.stdout).toBe('ready\nreceived SIGINT 1\n');
    expect(result.code).toBe(130);
  });

  it.skipIf(!hasScript)('Ctrl-C in a terminal (a pty under script(1)): one SIGINT, exit 130', async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    const command = [process.execPath, binPath, 'run', 'test', '--', 'node', SIGNAL_COUNTER, 'SIGINT']
      .map((part) => `'${part}'`)
      .join(' ');
    const result = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const script = spawn('script', ['-qfec', command, '/dev/null'], {
        cwd,
        env: env16g(),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      script.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      script.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const timer = setTimeout(() => {
        script.kill('SIGKILL');
        reject(new Error(`no exit within ${CLI_TIMEOUT_MS} ms: ${output}`));
      }, CLI_TIMEOUT_MS);
      script.on('error', reject);
      script.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
      void waitFor(() => output, 'ready').then(() => script.stdin.write('\u0003'));
    });
    expect(result.output).toMatch(/received SIGINT 1\r?\n/);
    expect(result.output).not.toMatch(/received SIGINT [2-9]/);
    expect(result.code).toBe(130);
  });
});
