// Memory-weighted admission, the ledger and the wrapper's children, with real `heapwise run` processes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLedgerFile, peaksOf } from '../src/ledger.js';
import {
  binPath,
  cgroupV2Root,
  cleanEnv,
  fixtureDir,
  GIB,
  packageDir,
  runCli,
  waitFor,
  type CliResult,
} from './helpers.js';

const TIMED_TASK = join(packageDir, 'test', 'fixtures', 'timed-task.mjs');
const PROFILE = '[a]\n--max-old-space-size=2048\n[b]\n--max-old-space-size=2048\n[huge]\n--max-old-space-size=8192\n';

interface LogLine {
  name: string;
  event: 'start' | 'end';
  atMs: number;
}

function setup(memoryBytes: number): { cwd: string; env: NodeJS.ProcessEnv; log: string } {
  const cwd = fixtureDir({ '.node-options': PROFILE });
  const pool = fixtureDir({});
  return {
    cwd,
    env: cleanEnv({ HEAPWISE_CGROUP_ROOT: cgroupV2Root(memoryBytes), HEAPWISE_POOL_DIR: pool }),
    log: join(cwd, 'log.jsonl'),
  };
}

function interval(log: string, name: string): { start: number; end: number } {
  const lines = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.name === name);
  const start = lines.find((line) => line.event === 'start');
  const end = lines.find((line) => line.event === 'end');
  if (!start || !end) throw new Error(`${name} did not log start and end`);
  return { start: start.atMs, end: end.atMs };
}

function timedRun(
  setupResult: ReturnType<typeof setup>,
  task: string,
  peer: string,
  maxWaitMs: number,
): Promise<CliResult> {
  return runCli(['run', task, '--', process.execPath, TIMED_TASK, setupResult.log, task, peer, String(maxWaitMs)], {
    cwd: setupResult.cwd,
    env: setupResult.env,
  });
}

describe('memory-weighted admission', () => {
  it('two tasks whose estimates do not fit together run one after the other', async () => {
    const fixture = setup(4 * GIB); // 3 GiB pool; each never-measured task reserves its 2048 MB request
    const [a, b] = await Promise.all([timedRun(fixture, 'a', 'b', 1500), timedRun(fixture, 'b', 'a', 1500)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const first = interval(fixture.log, 'a');
    const second = interval(fixture.log, 'b');
    expect(first.end <= second.start || second.end <= first.start).toBe(true);
    const waited = [a, b].filter((result) => result.stderr.includes('waits for 2 GiB of memory'));
    expect(waited).toHaveLength(1);
    expect(waited[0]?.stderr).toMatch(
      /heapwise: \[\S+#(a|b)\] waits for 2 GiB of memory \(2 GiB of the 3 GiB pool held by \S+#(a|b)\)/,
    );
  });

  it('and together when the pool holds both', async () => {
    const fixture = setup(16 * GIB); // 12 GiB pool
    const [a, b] = await Promise.all([timedRun(fixture, 'a', 'b', 20_000), timedRun(fixture, 'b', 'a', 20_000)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const first = interval(fixture.log, 'a');
    const second = interval(fixture.log, 'b');
    expect(Math.max(first.start, second.start)).toBeLessThan(Math.min(first.end, second.end));
    expect(a.stderr + b.stderr).not.toContain('waits for');
  });

  it('a task bigger than the whole pool runs alone, and finishes', async () => {
    const fixture = setup(4 * GIB);
    const [huge, a] = await Promise.all([timedRun(fixture, 'huge', 'a', 1500), timedRun(fixture, 'a', 'huge', 1500)]);
    expect([huge.code, a.code]).toEqual([0, 0]);
    const big = interval(fixture.log, 'huge');
    const small = interval(fixture.log, 'a');
    expect(big.end <= small.start || small.end <= big.start).toBe(true);
    expect(huge.stderr + a.stderr).toContain('waits for');
  });

  it('the reservation of a SIGKILLed run is reclaimed, and its command does not run on', async () => {
    const fixture = setup(4 * GIB);
    let childPid = 0;
    const killed = runCli(
      ['run', 'a', '--', process.execPath, '-e', 'console.log(`pid ${process.pid}`); setInterval(() => {}, 1000)'],
      {
        cwd: fixture.cwd,
        env: fixture.env,
        onSpawn: (wrapper, readStdout) => {
          void waitFor(readStdout, 'pid ').then(() => {
            childPid = Number(/pid (\d+)/.exec(readStdout())?.[1]);
            wrapper.kill('SIGKILL');
          });
        },
      },
    );
    expect((await killed).signal).toBe('SIGKILL');
    await waitForExit(childPid);
    const next = await runCli(['run', 'b', '--', process.execPath, '-e', '0'], { cwd: fixture.cwd, env: fixture.env });
    expect(next.code).toBe(0);
    expect(next.stderr).toBe('');
    expect(readdirSync(fixture.env.HEAPWISE_POOL_DIR as string).filter((name) => name.endsWith('.json'))).toEqual([]);
  });
});

/** Whether `pid` is gone (a zombie counts as gone: it runs nothing). */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function waitForExit(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!isGone(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      throw new Error(`process ${pid} still runs ${timeoutMs} ms after its heapwise run was killed`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(process.platform === 'win32')('heapwise run killed: its command never runs on', () => {
  for (const target of ['group', 'wrapper'] as const) {
    const victim = target === 'group' ? 'process group (a CI timeout)' : 'process alone';
    it(`SIGKILL to the wrapper's ${victim}`, async () => {
      const fixture = setup(16 * GIB);
      let childPid = 0;
      const result = await runCli(
        ['run', 'a', '--', process.execPath, '-e', 'console.log(`pid ${process.pid}`); setInterval(() => {}, 1000)'],
        {
          cwd: fixture.cwd,
          env: fixture.env,
          // Its own process group, as a CI job's shell gives it, so that the test can kill that group.
          spawn: { detached: true },
          onSpawn: (wrapper, readStdout) => {
            void waitFor(readStdout, 'pid ').then(() => {
              childPid = Number(/pid (\d+)/.exec(readStdout())?.[1]);
              process.kill(target === 'group' ? -(wrapper.pid as number) : (wrapper.pid as number), 'SIGKILL');
            });
          },
        },
      );
      expect(result.signal).toBe('SIGKILL');
      expect(childPid).toBeGreaterThan(0);
      await waitForExit(childPid);
    });
  }
});

describe('the ledger', () => {
  it('records each run, and the estimate follows a task whose peak grows', async () => {
    const fixture = setup(16 * GIB);
    const ledgerFile = join(fixture.cwd, 'node_modules', '.cache', 'heapwise', 'ledger.json');
    const key = `${fixture.cwd.split('/').pop()}#a`;
    const estimates: number[] = [];
    for (const mib of [64, 192, 384]) {
      const result = await runCli(
        ['run', 'a', '--', process.execPath, TIMED_TASK, fixture.log, 'a', 'none', '300', String(mib)],
        {
          cwd: fixture.cwd,
          env: fixture.env,
        },
      );
      expect(result.code).toBe(0);
      const peaks = peaksOf(readLedgerFile(ledgerFile).ledger, key);
      expect(peaks.at(-1)).toBeGreaterThan(mib * 1024 * 1024);
      const printed = await runCli(['print', 'a', '--format', 'json'], { cwd: fixture.cwd, env: fixture.env });
      const learned = (JSON.parse(printed.stdout) as { learned: { tasks: { key: string; estimateBytes: number }[] } })
        .learned.tasks;
      expect(learned.map((task) => task.key)).toEqual([key]);
      estimates.push(learned[0]?.estimateBytes ?? 0);
      expect(estimates.at(-1)).toBeGreaterThan(mib * 1024 * 1024);
    }
    expect(estimates).toEqual([...estimates].sort((x, y) => x - y));
    expect(peaksOf(readLedgerFile(ledgerFile).ledger, key)).toHaveLength(3);
  });

  it('HEAPWISE_LEDGER and [heapwise] ledger put it elsewhere', async () => {
    const fixture = setup(16 * GIB);
    const elsewhere = join(fixtureDir({}), 'team-ledger.json');
    await runCli(['run', 'a', '--', process.execPath, '-e', '0'], {
      cwd: fixture.cwd,
      env: { ...fixture.env, HEAPWISE_LEDGER: elsewhere },
    });
    expect(Object.keys(readLedgerFile(elsewhere).ledger.tasks)).toHaveLength(1);
    const configured = fixtureDir({ '.node-options': `${PROFILE}[heapwise]\nledger = ci/ledger.json\n` });
    await runCli(['run', 'a', '--', process.execPath, '-e', '0'], { cwd: configured, env: fixture.env });
    expect(Object.keys(readLedgerFile(join(configured, 'ci', 'ledger.json')).ledger.tasks)).toHaveLength(1);
  });
});

describe('--memory on run', () => {
  const PRINT_HEAP = "console.log(require('node:v8').getHeapStatistics().heap_size_limit / 1048576)";

  it('lowers the budget (and HEAPWISE_MEMORY does the same)', async () => {
    const fixture = setup(16 * GIB);
    const lowered = await runCli(['run', 'a', '--memory', '1g', '--', process.execPath, '-e', PRINT_HEAP], fixture);
    expect(lowered.code).toBe(0);
    // 1 GiB × 0.75 = 768 MB, the whole pool for one admitted task
    expect(Number(lowered.stdout)).toBeLessThan(768 + 256);
    expect(lowered.stderr).toContain('requested heap 2048 MB lowered to 768 MB');
    const fromEnv = await runCli(['run', 'a', '--', process.execPath, '-e', PRINT_HEAP], {
      cwd: fixture.cwd,
      env: { ...fixture.env, HEAPWISE_MEMORY: '1g' },
    });
    expect(fromEnv.stderr).toContain('lowered to 768 MB to fit: 1 GiB (HEAPWISE_MEMORY=1g)');
  });

  it('refuses a size above the machine with a clear message, exit 2', async () => {
    const fixture = setup(16 * GIB);
    const result = await runCli(['run', 'a', '--memory', '64g', '--', process.execPath, '-e', '0'], fixture);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(
        String.raw`^heapwise: --memory 64g is more than this machine has \(16 GiB, cgroup-v2: .*memory\.max\): ` +
          'it can only lower the limit',
      ),
    );
    const turbo = await runCli(['turbo', 'build', '--memory', '64g'], fixture);
    expect(turbo.code).toBe(2);
    expect(turbo.stderr).toContain('--memory 64g is more than this machine has');
  });
});

void binPath;
