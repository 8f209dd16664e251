// Counter: a value that only goes up.
import { formatExemplar, type Exemplar, type ExemplarLabels } from './exemplar.js';
import { Metric, type MetricConfig, type RegistryState } from './metric.js';
import type { Labels, SeriesState } from './series-index.js';
import { counterFamilyName, formatSeconds, formatValue, type ExpositionFormat } from './text-format.js';

export interface CounterSeries extends SeriesState {
  value: number;
  /** The latest exemplar attached to an increment (OpenMetrics only). */
  exemplar: Exemplar | undefined;
}

/** A counter child bound to one label set: the cheapest way to count on a hot path. */
export interface BoundCounter {
  /** `exemplar`, e.g. `{ trace_id }`, is written with the sample in OpenMetrics. */
  inc(value?: number, exemplar?: ExemplarLabels): void;
}

function invalidIncrement(name: string, value: number): never {
  throw new RangeError(`counter ${name}: increment must be a non-negative number, got ${value}`);
}

export class Counter<L extends string = never> extends Metric<L, CounterSeries> {
  readonly type = 'counter' as const;
  readonly samplesPerSeries = 2;

  constructor(config: MetricConfig<L>, state: RegistryState) {
    super(config, state);
  }

  protected createSeries(values: readonly string[], overflow: boolean): CounterSeries {
    return { ...this.newSeriesState(values, overflow), value: 0, exemplar: undefined };
  }

  inc(value?: number): void;
  inc(labels: Labels<L>, value?: number, exemplar?: ExemplarLabels): void;
  inc(labelsOrValue?: Labels<L> | number, value?: number, exemplar?: ExemplarLabels): void {
    let labels: Labels<L> | undefined;
    let amount: number;
    if (typeof labelsOrValue === 'number') {
      amount = labelsOrValue;
    } else {
      labels = labelsOrValue;
      amount = value ?? 1;
    }
    if (!(amount >= 0)) invalidIncrement(this.name, amount); // also rejects NaN
    if (this.state.destroyed) return;
    this.add(this.resolve(labels), amount, exemplar);
  }

  /** Pre-bound child: resolves the label set once; re-resolves only if its series expired. */
  labels(labels: Labels<L>): BoundCounter {
    let series = this.resolve(labels);
    return {
      inc: (amount = 1, exemplar) => {
        if (!(amount >= 0)) invalidIncrement(this.name, amount);
        if (this.state.destroyed) return;
        if (series.detached) series = this.reattach(series);
        this.add(series, amount, exemplar);
      },
    };
  }

  /** Current value of one label set (0 when it has no series). */
  get(labels?: Labels<L>): number {
    for (const series of this.series()) {
      if (matches(series.values, this.labelNames, labels)) return series.value;
    }
    return 0;
  }

  private add(series: CounterSeries, amount: number, exemplar: ExemplarLabels | undefined): void {
    series.value += amount;
    series.touched = true;
    if (series.overflow) this.overflowObservations++;
    if (exemplar !== undefined) series.exemplar = this.exemplar(exemplar, amount) ?? series.exemplar;
  }

  override familyName(format: ExpositionFormat): string {
    return format === 'openmetrics' ? counterFamilyName(this.name) : this.name;
  }

  sampleNames(): string[] {
    const family = counterFamilyName(this.name);
    return [...new Set([this.name, family, `${family}_total`, `${family}_created`])];
  }

  formatSeries(series: CounterSeries, format: ExpositionFormat = 'prometheus'): string {
    const pairs = this.labelPairs(series);
    const labels = pairs === '' ? '' : `{${pairs}}`;
    if (format === 'prometheus') return `${this.name}${labels} ${formatValue(series.value)}\n`;
    const family = counterFamilyName(this.name);
    const exemplar = series.exemplar === undefined ? '' : formatExemplar(series.exemplar);
    return (
      `${family}_total${labels} ${formatValue(series.value)}${exemplar}\n` +
      `${family}_created${labels} ${formatSeconds(series.createdAtMs)}\n`
    );
  }
}

/** Read helper (tests, reports): does a series carry exactly these label values? */
export function matches(
  values: readonly string[],
  names: readonly string[],
  labels: { readonly [name: string]: string | number | undefined } | undefined,
): boolean {
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const raw = labels !== undefined && Object.hasOwn(labels, name) ? labels[name] : undefined;
    if (values[i] !== (raw === undefined ? '' : String(raw))) return false;
  }
  return true;
}
