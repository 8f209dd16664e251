// Histogram: per-series bucket counts, sum and count; cumulative buckets are built on scrape.
import { DEFAULT_BUCKETS, MAX_BUCKETS } from './limits.js';
import { Metric, type MetricConfig, type RegistryState } from './metric.js';
import type { Labels, SeriesState } from './series-index.js';
import { formatValue } from './text-format.js';

export interface HistogramConfig<L extends string> extends MetricConfig<L> {
  /** Upper bounds, strictly increasing and finite; `+Inf` is implicit. Default DEFAULT_BUCKETS. */
  buckets?: readonly number[];
}

export interface HistogramSeries extends SeriesState {
  /** Per-bucket (not cumulative) counts; the last slot is the +Inf bucket. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export interface BoundHistogram {
  observe(value: number): void;
  /** Starts a timer; the returned function observes the elapsed seconds and returns them. */
  startTimer(): () => number;
}

function checkBuckets(name: string, buckets: readonly number[]): number[] {
  const bounds = buckets.filter((b) => b !== Infinity); // +Inf is always there
  if (bounds.length > MAX_BUCKETS) {
    throw new RangeError(`histogram ${name}: at most ${MAX_BUCKETS} buckets, got ${bounds.length}`);
  }
  for (let i = 0; i < bounds.length; i++) {
    const bound = bounds[i]!;
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new RangeError(`histogram ${name}: bucket bounds must be finite numbers, got ${bound}`);
    }
    if (i > 0 && bound <= bounds[i - 1]!) {
      throw new RangeError(
        `histogram ${name}: bucket bounds must be strictly increasing (${bounds[i - 1]} then ${bound})`,
      );
    }
  }
  return bounds;
}

export class Histogram<L extends string = never> extends Metric<L, HistogramSeries> {
  readonly type = 'histogram' as const;
  readonly samplesPerSeries: number;
  readonly buckets: readonly number[];
  private readonly leValues: readonly string[];

  constructor(config: HistogramConfig<L>, state: RegistryState) {
    super(config, state, ['le']);
    this.buckets = checkBuckets(config.name, config.buckets ?? DEFAULT_BUCKETS);
    this.leValues = [...this.buckets.map(formatValue), '+Inf'];
    this.samplesPerSeries = this.leValues.length + 2;
  }

  protected createSeries(values: readonly string[], overflow: boolean): HistogramSeries {
    return {
      values,
      touched: true,
      detached: false,
      overflow,
      counts: new Float64Array(this.buckets.length + 1),
      sum: 0,
      count: 0,
    };
  }

  observe(value: number): void;
  observe(labels: Labels<L>, value: number): void;
  observe(labelsOrValue: Labels<L> | number, value?: number): void {
    if (this.state.destroyed) return;
    if (typeof labelsOrValue === 'number') this.record(this.resolve(undefined), labelsOrValue);
    else this.record(this.resolve(labelsOrValue), value as number);
  }

  startTimer(labels?: Labels<L>): () => number {
    const startMs = performance.now();
    return () => {
      const seconds = (performance.now() - startMs) / 1000;
      if (labels === undefined) this.observe(seconds);
      else this.observe(labels, seconds);
      return seconds;
    };
  }

  labels(labels: Labels<L>): BoundHistogram {
    let series = this.resolve(labels);
    const observe = (value: number): void => {
      if (this.state.destroyed) return;
      if (series.detached) series = this.reattach(series);
      this.record(series, value);
    };
    return {
      observe,
      startTimer: () => {
        const startMs = performance.now();
        return () => {
          const seconds = (performance.now() - startMs) / 1000;
          observe(seconds);
          return seconds;
        };
      },
    };
  }

  private record(series: HistogramSeries, value: number): void {
    if (typeof value !== 'number') {
      throw new TypeError(`histogram ${this.name}: value must be a number, got ${typeof value}`);
    }
    const bounds = this.buckets;
    let i = 0;
    if (value !== value)
      i = bounds.length; // NaN counts only in +Inf (and makes the sum NaN)
    else while (i < bounds.length && value > bounds[i]!) i++;
    series.counts[i]!++;
    series.sum += value;
    series.count++;
    series.touched = true;
    if (series.overflow) this.overflowObservations++;
  }

  sampleNames(): string[] {
    return [this.name, `${this.name}_bucket`, `${this.name}_sum`, `${this.name}_count`];
  }

  formatSeries(series: HistogramSeries): string {
    const pairs = this.labelPairs(series);
    const bucketPrefix = pairs === '' ? `${this.name}_bucket{le="` : `${this.name}_bucket{${pairs},le="`;
    const suffix = pairs === '' ? '' : `{${pairs}}`;
    let out = '';
    let cumulative = 0;
    for (let i = 0; i < this.leValues.length; i++) {
      cumulative += series.counts[i]!;
      out += `${bucketPrefix}${this.leValues[i]}"} ${formatValue(cumulative)}\n`;
    }
    out += `${this.name}_sum${suffix} ${formatValue(series.sum)}\n`;
    out += `${this.name}_count${suffix} ${formatValue(series.count)}\n`;
    return out;
  }
}
