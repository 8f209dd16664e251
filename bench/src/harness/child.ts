// The child side of a benchmark cell: read arguments, measure, print one JSON line.
// Each cell runs in a fresh `node` process so that one library's JIT state, heap and
// leftover handles never colour another's numbers.

/** Prefix of the one stdout line that carries a cell's result; other output is ignored. */
export const RESULT_PREFIX = 'BENCH_RESULT ';
/** Environment variable that carries a cell's JSON arguments from runner to child. */
export const CELL_ARGS_ENV = 'BENCH_CELL';

export function readCellArgs<T>(): T {
  const raw = process.env[CELL_ARGS_ENV];
  if (raw === undefined) throw new Error(`${CELL_ARGS_ENV} is not set: run this file through the bench runner`);
  return JSON.parse(raw) as T;
}

export function reportResult(result: Record<string, number | string | boolean>): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/** Runs `main` and exits: 0 after a result, 1 with the error on stderr. */
export function runChild(main: () => Promise<Record<string, number | string | boolean>>): void {
  main().then(
    (result) => {
      reportResult(result);
      // Exit explicitly: a peer that leaves a handle open must not hang the run.
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`cell failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}

export function forceGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  // Twice: the first pass can leave objects whose finalizers free more on the second.
  gc();
  gc();
}

export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
}

export function memoryAfterGc(): MemorySample {
  forceGc();
  const usage = process.memoryUsage();
  // `external` includes `arrayBuffers` (Node's Buffers): adding them would count Buffers twice.
  return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, externalBytes: usage.external };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Yields to the event loop so background work (sockets, timers) gets its turn. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Polls `done` every `intervalMs` until it is true or `deadlineMs` passes; returns whether it became true. */
export async function waitUntil(
  done: () => boolean | Promise<boolean>,
  deadlineMs: number,
  intervalMs = 20,
): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= until) return false;
    await sleep(intervalMs);
  }
}
