// The memory budget: usable = limit × headroom; per task = usable ÷ concurrency; a requested heap
// larger than its share is lowered to fit. GOMEMLIMIT comes from the same figure so that
// TypeScript 7's native compiler (a Go program Node's heap flags cannot reach) keeps to it too.
import { availableParallelism } from 'node:os';
import { BYTES_PER_MIB } from './size.js';

/** Turbo's own default `--concurrency`: heapwise never goes above it unless asked. */
export const TURBO_DEFAULT_CONCURRENCY = 10;
/**
 * Lower bound of the CPU cap: at least this many tasks at once even on a 1-core machine, so that one
 * slow task does not serialise the whole graph.
 */
export const MIN_CPU_CONCURRENCY = 2;
/**
 * Below this heap a build, type-check or test run is not worth starting: the budget never fits a task
 * below it (it says so loudly instead), because V8 would spend its time in GC and then die anyway.
 */
export const MIN_HEAP_MB = 256;

export interface Budget {
  limitBytes: number;
  headroom: number;
  concurrency: number;
  usableBytes: number;
  /** Each task's share of the usable memory, in MiB (what Node's heap flags call MB). */
  perTaskMb: number;
}

export function computeBudget(limitBytes: number, headroom: number, concurrency: number): Budget {
  const usableBytes = Math.floor(limitBytes * headroom);
  const perTaskMb = Math.floor(usableBytes / concurrency / BYTES_PER_MIB);
  return { limitBytes, headroom, concurrency, usableBytes, perTaskMb };
}

export interface FittedHeap {
  /** The heap to set, in MB; undefined when nothing was requested (V8's default stays). */
  heapMb: number | undefined;
  lowered: boolean;
  /** The share was below MIN_HEAP_MB: the heap is MIN_HEAP_MB and the task may not fit at all. */
  belowMinimum: boolean;
}

export function fitHeap(requestedMb: number | undefined, budget: Budget): FittedHeap {
  if (requestedMb === undefined) return { heapMb: undefined, lowered: false, belowMinimum: false };
  if (requestedMb <= budget.perTaskMb) return { heapMb: requestedMb, lowered: false, belowMinimum: false };
  const belowMinimum = budget.perTaskMb < MIN_HEAP_MB;
  return { heapMb: Math.min(requestedMb, Math.max(budget.perTaskMb, MIN_HEAP_MB)), lowered: true, belowMinimum };
}

/** GOMEMLIMIT (a soft limit of the Go runtime) in the unit Go reads: `1344MiB`. */
export function goMemLimitFor(mb: number): string {
  return `${mb}MiB`;
}

/**
 * Default concurrency cap from the CPUs: min(turbo's 10, max(2, cpus)). Many test suites spawn real
 * processes; ten of them on two cores time out, memory or not.
 */
export function cpuConcurrencyCap(cpus: number = availableParallelism()): number {
  return Math.min(TURBO_DEFAULT_CONCURRENCY, Math.max(MIN_CPU_CONCURRENCY, cpus));
}

/**
 * How many tasks may run at once: as many as fit `largestHeapMb` each into the usable memory, never
 * more than `cap` (the user's --concurrency, or the CPU cap), never fewer than 1.
 */
export function chooseConcurrency(usableBytes: number, largestHeapMb: number | undefined, cap: number): number {
  if (largestHeapMb === undefined || largestHeapMb <= 0) return Math.max(1, cap);
  return Math.max(1, Math.min(cap, heapsThatFit(usableBytes, largestHeapMb)));
}

/** How many heaps of `heapMb` fit into `usableBytes` side by side (0 when not even one does). */
export function heapsThatFit(usableBytes: number, heapMb: number): number {
  return Math.floor(usableBytes / BYTES_PER_MIB / heapMb);
}
