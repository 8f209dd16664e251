// Gauge: a value that goes up and down, set directly or computed on scrape (`collect`).
import { matches } from './counter.js';
import { Metric, type MetricConfig, type RegistryState } from './metric.js';
import type { Labels, SeriesState } from './series-index.js';
import { formatValue, type ExpositionFormat } from './text-format.js';

export interface GaugeSeries extends SeriesState {
  value: number;
}

/** A gauge child bound to one label set. */
export interface BoundGauge {
  set(value: number): void;
  inc(value?: number): void;
  dec(value?: number): void;
}

export class Gauge<L extends string = never> extends Metric<L, GaugeSeries> {
  readonly type = 'gauge' as const;
  readonly samplesPerSeries = 1;
  protected override readonly zeroBeforeFirstUpdate = false;

  constructor(config: MetricConfig<L>, state: RegistryState) {
    super(config, state);
  }

  protected createSeries(values: readonly string[], overflow: boolean): GaugeSeries {
    return { ...this.newSeriesState(values, overflow), value: 0 };
  }

  set(value: number): void;
  set(labels: Labels<L>, value: number): void;
  set(labelsOrValue: Labels<L> | number, value?: number): void {
    if (this.state.destroyed) return;
    if (typeof labelsOrValue === 'number') this.write(this.resolve(undefined), labelsOrValue, false);
    else this.write(this.resolve(labelsOrValue), value as number, false); // undefined is rejected in write()
  }

  inc(value?: number): void;
  inc(labels: Labels<L>, value?: number): void;
  inc(labelsOrValue?: Labels<L> | number, value?: number): void {
    if (this.state.destroyed) return;
    if (typeof labelsOrValue === 'number') this.write(this.resolve(undefined), labelsOrValue, true);
    else this.write(this.resolve(labelsOrValue), value ?? 1, true);
  }

  dec(value?: number): void;
  dec(labels: Labels<L>, value?: number): void;
  dec(labelsOrValue?: Labels<L> | number, value?: number): void {
    if (this.state.destroyed) return;
    if (typeof labelsOrValue === 'number') this.write(this.resolve(undefined), -labelsOrValue, true);
    else this.write(this.resolve(labelsOrValue), -(value ?? 1), true);
  }

  labels(labels: Labels<L>): BoundGauge {
    let series = this.resolve(labels);
    const current = (): GaugeSeries => (series.detached ? (series = this.reattach(series)) : series);
    return {
      set: (value) => {
        if (!this.state.destroyed) this.write(current(), value, false);
      },
      inc: (value = 1) => {
        if (!this.state.destroyed) this.write(current(), value, true);
      },
      dec: (value = 1) => {
        if (!this.state.destroyed) this.write(current(), -value, true);
      },
    };
  }

  get(labels?: Labels<L>): number {
    for (const series of this.series()) {
      if (matches(series.values, this.labelNames, labels)) return series.value;
    }
    return 0;
  }

  private write(series: GaugeSeries, value: number, add: boolean): void {
    if (typeof value !== 'number') {
      throw new TypeError(`gauge ${this.name}: value must be a number, got ${typeof value}`);
    }
    // The overflow series of a gauge holds the last value written to any overflowed label set;
    // only counters and histograms can keep exact totals there.
    series.value = add ? series.value + value : value;
    series.touched = true;
    if (series.overflow) this.overflowObservations++;
  }

  sampleNames(): string[] {
    return [this.name];
  }

  formatSeries(series: GaugeSeries, _format?: ExpositionFormat): string {
    const pairs = this.labelPairs(series);
    return pairs === ''
      ? `${this.name} ${formatValue(series.value)}\n`
      : `${this.name}{${pairs}} ${formatValue(series.value)}\n`;
  }
}
