// The parent side: run each cell in fresh `node` processes, interleaved, and take medians.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CELL_ARGS_ENV, RESULT_PREFIX } from './child.js';
import { medianOfSamples } from './stats.js';

export interface CellSpec {
  /** Row key, unique within a suite. */
  id: string;
  /** Compiled child script, relative to bench/dist (e.g. `logger/child.js`). */
  script: string;
  args: Record<string, unknown>;
  /** Node flags of the child (the runner adds none of its own). */
  nodeFlags?: string[];
  /** The child is killed (with its process group) after this long and the sample is lost. */
  timeoutMs: number;
  env?: Record<string, string>;
}

export interface CellResult {
  spec: CellSpec;
  samples: Record<string, number>[];
  median: Record<string, number>;
  /** Strings the child reported (the last sample's), e.g. a version or a note. */
  notes: Record<string, string>;
  failures: string[];
}

export interface RunPlan {
  /** Measured processes per cell; the rules ask for at least 5. */
  runs: number;
  /** Discarded processes per cell before the measured ones (disk cache, CPU frequency, lazy loading). */
  warmups: number;
  /** Cells run at once. 1 for anything timed; correctness-only cells may run several. */
  concurrency: number;
  /**
   * Wall-clock budget of the whole matrix. A process still running when it is spent is killed and
   * the ones not started are skipped, each recorded as a failure that says so; runMatrix never
   * takes longer than this (plus the kill).
   */
  budgetMs?: number;
}

const distDir = fileURLToPath(new URL('../', import.meta.url));

interface RawRun {
  numbers: Record<string, number>;
  strings: Record<string, string>;
}

export function runOnce(spec: CellSpec): Promise<RawRun> {
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(spec.nodeFlags ?? []), distDir + spec.script], {
      // Own process group so a timeout can take the child's own children (servers) with it.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // A caller's NODE_OPTIONS (e.g. from `heapwise run`) would change heap limits under our feet.
        NODE_OPTIONS: '',
        ...spec.env,
        [CELL_ARGS_ENV]: JSON.stringify(spec.args),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      // Keep only the tail: a chatty peer must not grow the runner's memory.
      stderr = (stderr + chunk).slice(-4000);
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, spec.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code !== 0 || line === undefined) {
        const why = signal === 'SIGKILL' ? `timed out after ${spec.timeoutMs} ms` : `exit ${code ?? signal}`;
        reject(new Error(`${spec.id}: ${why}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      const parsed = JSON.parse(line.slice(RESULT_PREFIX.length)) as Record<string, unknown>;
      // Wall time of the whole process, kept in the JSON so the suite's time budget can be checked.
      const numbers: Record<string, number> = { processWallMs: Date.now() - startedAt };
      const strings: Record<string, string> = {};
      for (const [key, value] of Object.entries(parsed)) {
        if (typeof value === 'number') numbers[key] = value;
        else if (typeof value === 'boolean') numbers[key] = value ? 1 : 0;
        else strings[key] = String(value);
      }
      resolve({ numbers, strings });
    });
  });
}

async function pool<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, concurrency) }, async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * Runs every cell `warmups + runs` times. Processes start in round order (cell A, B, C, A, B, C, …)
 * so a slow drift of the machine (thermal, another process) spreads over all cells instead of one;
 * with `concurrency` 1 (timed cells) that is also the order they run in. All warm-ups finish before
 * the first measured process starts.
 */
export async function runMatrix(cells: CellSpec[], plan: RunPlan, log: (line: string) => void): Promise<CellResult[]> {
  const results = cells.map<CellResult>((spec) => ({ spec, samples: [], median: {}, notes: {}, failures: [] }));
  const deadline = plan.budgetMs === undefined ? Infinity : Date.now() + plan.budgetMs;
  const budgetNote = `the ${formatSeconds(plan.budgetMs ?? 0)} budget of this scenario was spent`;
  const phase = async (rounds: number, warm: boolean): Promise<void> => {
    let done = 0;
    const total = rounds * results.length;
    const tasks = Array.from({ length: rounds }, () =>
      results.map((result) => async () => {
        try {
          const leftMs = deadline - Date.now();
          if (leftMs <= 0) throw new Error(`${result.spec.id}: not run: ${budgetNote}`);
          const overBudget = leftMs < result.spec.timeoutMs;
          const spec = overBudget ? { ...result.spec, timeoutMs: Math.ceil(leftMs) } : result.spec;
          const raw = await runOnce(spec).catch((error: unknown) => {
            if (overBudget && Date.now() >= deadline)
              throw new Error(`${result.spec.id}: killed: ${budgetNote} (${(error as Error).message})`);
            throw error;
          });
          if (!warm) {
            result.samples.push(raw.numbers);
            result.notes = raw.strings;
          }
        } catch (error) {
          result.failures.push((error as Error).message);
          log(`  ! ${(error as Error).message}`);
        }
        done++;
        if (done % results.length === 0 || done === total)
          log(`  ${warm ? 'warm-up' : 'measured'} processes: ${done}/${total}`);
      }),
    ).flat();
    await pool(tasks, plan.concurrency);
  };
  if (plan.warmups > 0) await phase(plan.warmups, true);
  await phase(plan.runs, false);
  for (const result of results) result.median = medianOfSamples(result.samples);
  return results;
}

/** Whether any process of these results was skipped or killed because a scenario's budget ran out. */
export function budgetExceeded(results: readonly CellResult[]): boolean {
  return results.some((result) => result.failures.some((failure) => failure.includes('budget of this scenario')));
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
