// The runner's scenario budget: a matrix never outlasts it, and what it cut short says so.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { budgetExceeded, runMatrix, type CellSpec } from '../src/harness/runner.js';

/**
 * A cell that sleeps `sleepMs` (from its JSON arguments), then prints its result. Given `pidFile` it
 * writes its pid there on start, given `doneFile` it writes that file when it wakes: a cell that was
 * killed has a pid that is gone and no done file.
 */
const SLEEP_CELL_SOURCE = `
import { writeFileSync } from 'node:fs';
const { sleepMs, pidFile, doneFile } = JSON.parse(process.env.BENCH_CELL ?? '{}');
if (pidFile) writeFileSync(pidFile, String(process.pid));
setTimeout(() => {
  if (doneFile) writeFileSync(doneFile, 'woke');
  process.stdout.write('BENCH_RESULT ' + JSON.stringify({ sleptMs: sleepMs }) + '\\n');
}, sleepMs);
`;
const dir = mkdtempSync(join(tmpdir(), 'bench-runner-'));
writeFileSync(join(dir, 'sleep-cell.mjs'), SLEEP_CELL_SOURCE);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Relative to src/, the runner's script root when it runs from source. */
const SLEEP_CELL = relative(fileURLToPath(new URL('../src/', import.meta.url)), join(dir, 'sleep-cell.mjs'));

function sleeper(id: string, sleepMs: number, files: { pidFile?: string; doneFile?: string } = {}): CellSpec {
  return { id, script: SLEEP_CELL, args: { sleepMs, ...files }, timeoutMs: 60_000 };
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

describe('runMatrix budget', () => {
  it('runs every process when the budget is enough', async () => {
    const results = await runMatrix(
      [sleeper('a', 10), sleeper('b', 10)],
      {
        runs: 2,
        warmups: 0,
        concurrency: 2,
        budgetMs: 30_000,
      },
      () => undefined,
    );
    expect(results.map((r) => r.samples.length)).toEqual([2, 2]);
    expect(results[0]?.median.sleptMs).toBe(10);
    expect(budgetExceeded(results)).toBe(false);
  }, 40_000);

  it('kills the process running when the budget is spent and skips the rest, each failure saying why', async () => {
    const pidFile = join(dir, 'slow.pid');
    const doneFile = join(dir, 'slow.done');
    const results = await runMatrix(
      [sleeper('slow', 20_000, { pidFile, doneFile }), sleeper('next', 10)],
      {
        runs: 2,
        warmups: 0,
        concurrency: 1,
        budgetMs: 1_500,
      },
      () => undefined,
    );
    // The 20 s cell did not run to its end: runMatrix returned with its process already gone (SIGKILL,
    // which the runner reports as a timeout) and before it woke to write its done file.
    const slowPid = Number(readFileSync(pidFile, 'utf8'));
    expect(processExists(slowPid)).toBe(false);
    expect(existsSync(doneFile)).toBe(false);
    expect(budgetExceeded(results)).toBe(true);
    const failures = results.flatMap((r) => r.failures);
    expect(failures).toHaveLength(4);
    expect(failures[0]).toMatch(
      /^slow: killed: the 2 s budget of this scenario was spent \(slow: timed out after \d+ ms/,
    );
    expect(failures.slice(1).every((f) => /not run: the 2 s budget of this scenario was spent/.test(f))).toBe(true);
    expect(results.every((r) => r.samples.length === 0)).toBe(true);
  }, 40_000);
});
