// Histogram: per-series bucket counts, sum and count; cumulative buckets are built on scrape.
import { DEFAULT_BUCKETS, MAX_BUCKETS } from './limits.js';
import { Metric, type MetricConfig, type RegistryState } from './metric.js';
import type { Labels, SeriesState } from './series-index.js';
import { formatExemplar, type Exemplar, type ExemplarLabels } from './exemplar.js';
import { formatSeconds, formatValue, type ExpositionFormat } from './text-format.js';

export interface HistogramConfig<L extends string> extends MetricConfig<L> {
  /** Upper bounds, strictly increasing and finite; `+Inf` is implicit. Default DEFAULT_BUCKETS. */
  buckets?: readonly number[];
}

export interface HistogramSeries extends SeriesState {
  /** Per-bucket (not cumulative) counts; the last slot is the +Inf bucket. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
  /** Latest exemplar per bucket (OpenMetrics only), allocated on the first one. */
  exemplars: (Exemplar | undefined)[] | undefined;
}

export interface BoundHistogram {
  /** `exemplar`, e.g. `{ trace_id }`, is written on the observation's bucket in OpenMetrics. */
  observe(value: number, exemplar?: ExemplarLabels): void;
  /** Starts a timer; the returned function observes the elapsed seconds and returns them. */
  startTimer(): () => number;
}

function checkBuckets(name: string, buckets: readonly number[]): number[] {
  const bounds = buckets.filter((b) => b !== Infinity); // +Inf is always there
  if (bounds.length > MAX_BUCKETS) {
    throw new RangeError(`histogram ${name}: at most ${MAX_BUCKETS} buckets, got ${bounds.length}`);
  }
  for (let i = 0; i < bounds.length; i++) {
    const bound = bounds[i];
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new RangeError(`histogram ${name}: bucket bounds must be finite numbers, got ${bound}`);
    }
    if (i > 0 && bound <= bounds[i - 1]) {
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
    this.samplesPerSeries = this.leValues.length + 3;
  }

  protected createSeries(values: readonly string[], overflow: boolean): HistogramSeries {
    return {
      ...this.newSeriesState(values, overflow),
      counts: new Float64Array(this.buckets.length + 1),
      sum: 0,
      count: 0,
      exemplars: undefined,
    };
  }

  observe(value: number): void;
  observe(labels: Labels<L>, value: number, exemplar?: ExemplarLabels): void;
  observe(labelsOrValue: Labels<L> | number, value?: number, exemplar?: ExemplarLabels): void {
    if (this.state.destroyed) return;
    if (typeof labelsOrValue === 'number') this.record(this.resolve(undefined), labelsOrValue, undefined);
    else this.record(this.resolve(labelsOrValue), value as number, exemplar);
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
    const observe = (value: number, exemplar?: ExemplarLabels): void => {
      if (this.state.destroyed) return;
      if (series.detached) series = this.reattach(series);
      this.record(series, value, exemplar);
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

  private record(series: HistogramSeries, value: number, exemplar: ExemplarLabels | undefined): void {
    if (typeof value !== 'number') {
      throw new TypeError(`histogram ${this.name}: value must be a number, got ${typeof value}`);
    }
    const bounds = this.buckets;
    let i = 0;
    if (value !== value)
      i = bounds.length; // NaN counts only in +Inf (and makes the sum NaN)
    else while (i < bounds.length && value > bounds[i]) i++;
    series.counts[i]++;
    series.sum += value;
    series.count++;
    series.touched = true;
    if (series.overflow) this.overflowObservations++;
    if (exemplar !== undefined) {
      const kept = this.exemplar(exemplar, value);
      if (kept !== undefined) (series.exemplars ??= new Array<Exemplar | undefined>(bounds.length + 1))[i] = kept;
    }
  }

  sampleNames(): string[] {
    return [this.name, `${this.name}_bucket`, `${this.name}_sum`, `${this.name}_count`, `${this.name}_created`];
  }

  formatSeries(series: HistogramSeries, format: ExpositionFormat = 'prometheus'): string {
    const openMetrics = format === 'openmetrics';
    const pairs = this.labelPairs(series);
    const bucketPrefix = pairs === '' ? `${this.name}_bucket{le="` : `${this.name}_bucket{${pairs},le="`;
    const suffix = pairs === '' ? '' : `{${pairs}}`;
    let out = '';
    let cumulative = 0;
    for (let i = 0; i < this.leValues.length; i++) {
      cumulative += series.counts[i];
      const exemplar = openMetrics ? series.exemplars?.[i] : undefined;
      const exemplarText = exemplar ? formatExemplar(exemplar) : '';
      out += `${bucketPrefix}${this.leValues[i]}"} ${formatValue(cumulative)}${exemplarText}\n`;
    }
    out += `${this.name}_sum${suffix} ${formatValue(series.sum)}\n`;
    out += `${this.name}_count${suffix} ${formatValue(series.count)}\n`;
    if (openMetrics) out += `${this.name}_created${suffix} ${formatSeconds(series.createdAtMs)}\n`;
    return out;
  }
}
