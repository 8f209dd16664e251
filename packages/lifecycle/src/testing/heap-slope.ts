import { forceGc } from './gc.js';

/** Iterations run before the first sample, so caches, JIT code and pools reach their size. */
export const DEFAULT_SLOPE_WARMUP = 200;
/** Iterations measured, spread evenly between the samples. */
export const DEFAULT_SLOPE_ITERATIONS = 2000;
/** heapUsed readings (after forced GC) the line is fitted through; at least 3. */
export const DEFAULT_SLOPE_SAMPLES = 10;
/** Forced GCs before each reading: one more catches what the first one's finalizers released. */
const GC_PER_SAMPLE = 2;

export interface HeapSlope {
  /** Least-squares slope of heapUsed against completed iterations. */
  bytesPerIteration: number;
  /** Standard error of that slope; a slope within about two of them is indistinguishable from 0. */
  stdError: number;
  samples: { iteration: number; heapUsed: number }[];
}

/**
 * Least-squares line through (x, y): slope, intercept and the slope's standard error
 * (sqrt(s² / Sxx), s² the residual variance with n − 2 degrees of freedom). Hand-written: ten lines
 * of arithmetic that every heap-slope verdict here (tests and the soak runner) reads.
 */
export function fitSlope(points: readonly { x: number; y: number }[]): {
  slope: number;
  intercept: number;
  stdError: number;
} {
  const n = points.length;
  if (n < 3) throw new RangeError(`fitSlope needs at least 3 points, got ${n}`);
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - meanX) ** 2;
    sxy += (p.x - meanX) * (p.y - meanY);
  }
  if (sxx === 0) throw new RangeError('fitSlope needs at least two distinct x values');
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let residuals = 0;
  for (const p of points) residuals += (p.y - (intercept + slope * p.x)) ** 2;
  return { slope, intercept, stdError: Math.sqrt(residuals / (n - 2) / sxx) };
}

async function heapUsedAfterGc(): Promise<number> {
  for (let i = 0; i < GC_PER_SAMPLE; i += 1) await forceGc();
  return process.memoryUsage().heapUsed;
}

/**
 * Runs `iteration` `warmup + iterations` times and fits heapUsed after forced GC against the
 * iteration count: what each iteration leaves behind, in bytes, with its standard error.
 * Two RSS readings prove nothing (RSS includes freed-but-kept pages and garbage); this does.
 */
export async function measureHeapSlope(
  iteration: (i: number) => unknown,
  options: { warmup?: number; iterations?: number; samples?: number } = {},
): Promise<HeapSlope> {
  const warmup = options.warmup ?? DEFAULT_SLOPE_WARMUP;
  const iterations = options.iterations ?? DEFAULT_SLOPE_ITERATIONS;
  const sampleCount = options.samples ?? DEFAULT_SLOPE_SAMPLES;
  if (!Number.isSafeInteger(sampleCount) || sampleCount < 3)
    throw new RangeError(`samples must be an integer >= 3, got ${sampleCount}`);
  if (!Number.isSafeInteger(iterations) || iterations < sampleCount - 1) {
    throw new RangeError(`iterations must be an integer >= samples - 1 (${sampleCount - 1}), got ${iterations}`);
  }

  let i = 0;
  for (; i < warmup; i += 1) await iteration(i);

  const samples: { iteration: number; heapUsed: number }[] = [];
  let done = 0;
  for (let sample = 0; sample < sampleCount; sample += 1) {
    const target = Math.round((iterations * sample) / (sampleCount - 1));
    for (; done < target; done += 1, i += 1) await iteration(i);
    samples.push({ iteration: done, heapUsed: await heapUsedAfterGc() });
  }
  const { slope, stdError } = fitSlope(samples.map((s) => ({ x: s.iteration, y: s.heapUsed })));
  return { bytesPerIteration: slope, stdError, samples };
}
