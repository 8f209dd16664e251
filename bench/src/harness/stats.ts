import { median } from '@heapwise/testkit';

export { median };

/** Per-key median over samples that each map metric names to numbers. */
export function medianOfSamples(samples: readonly Record<string, number>[]): Record<string, number> {
  const keys = new Set(samples.flatMap((sample) => Object.keys(sample)));
  const result: Record<string, number> = {};
  for (const key of keys) {
    const values = samples
      .map((sample) => sample[key])
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    result[key] = median(values);
  }
  return result;
}

/** Smallest and largest value of one metric across samples, for the spread column. */
export function rangeOf(samples: readonly Record<string, number>[], key: string): { min: number; max: number } {
  const values = samples
    .map((sample) => sample[key])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return { min: Math.min(...values), max: Math.max(...values) };
}
