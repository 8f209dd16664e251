// The runner's scenario budget: a matrix never outlasts it, and what it cut short says so.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { budgetExceeded, runMatrix, type CellSpec } from '../src/harness/runner.js';

/** A cell that sleeps `sleepMs` (from its JSON arguments), then prints its result. */
const SLEEP_CELL_SOURCE = `
const { sleepMs } = JSON.parse(process.env.BENCH_CELL ?? '{}');
setTimeout(() => process.stdout.write('BENCH_RESULT ' + JSON.stringify({ sleptMs: sleepMs }) + '\\n'), sleepMs);
`;
const dir = mkdtempSync(join(tmpdir(), 'bench-runner-'));
writeFileSync(join(dir, 'sleep-cell.mjs'), SLEEP_CELL_SOURCE);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Relative to src/, the runner's script root when it runs from source. */
const SLEEP_CELL = relative(fileURLToPath(new URL('../src/', import.meta.url)), join(dir, 'sleep-cell.mjs'));

function sleeper(id: string, sleepMs: number): CellSpec {
  return { id, script: SLEEP_CELL, args: { sleepMs }, timeoutMs: 60_000 };
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
    const startedAt = Date.now();
    const results = await runMatrix(
      [sleeper('slow', 20_000), sleeper('next', 10)],
      {
        runs: 2,
        warmups: 0,
        concurrency: 1,
        budgetMs: 1_500,
      },
      () => undefined,
    );
    // Bounded by the budget (plus the kill and process start-up), not by the 20 s cell.
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    expect(budgetExceeded(results)).toBe(true);
    const failures = results.flatMap((r) => r.failures);
    expect(failures).toHaveLength(4);
    expect(failures[0]).toMatch(/^slow: killed: the 2 s budget of this scenario was spent/);
    expect(failures.slice(1).every((f) => /not run: the 2 s budget of this scenario was spent/.test(f))).toBe(true);
    expect(results.every((r) => r.samples.length === 0)).toBe(true);
  }, 40_000);
});
