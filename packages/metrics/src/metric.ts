// What counters, gauges and histograms share: configuration checks, the series index, and the
// label part of exposition lines.
import {
  DEFAULT_MAX_LABEL_VALUE_LENGTH,
  MAX_LABEL_VALUE_LENGTH_LIMIT,
  MAX_SERIES_LIMIT,
  MIN_IDLE_EXPIRY_MS,
} from './limits.js';
import { validateLabelNames, validateMetricName } from './names.js';
import { SeriesIndex, type Labels, type SeriesState } from './series-index.js';
import { renderExemplarLabels, type Exemplar, type ExemplarLabels } from './exemplar.js';
import { escapeLabelValue, familyHeader, type ExpositionFormat } from './text-format.js';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricConfig<L extends string> {
  /** Metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
  name: string;
  /** HELP text (any characters; escaped on output). */
  help: string;
  /** Every label the metric will ever carry, declared up front. */
  labelNames?: readonly L[];
  /** Hard cap on live series (default DEFAULT_MAX_SERIES, 1000); the overflow series is extra. */
  maxSeries?: number;
  /** Longest label value stored (default DEFAULT_MAX_LABEL_VALUE_LENGTH, 256); longer goes to overflow. */
  maxLabelValueLength?: number;
  /** Drop series not updated for this long (between 1× and 2× this); off by default. */
  idleExpiryMs?: number;
  /** Called before every scrape, to set values that are read rather than pushed. */
  collect?: () => void | Promise<void>;
}

/** Shared with the registry: once destroyed, updates are ignored instead of growing memory. */
export interface RegistryState {
  destroyed: boolean;
  readonly defaultMaxSeries: number;
  /** Clock in ms since the epoch: `_created` and exemplar timestamps. */
  readonly now: () => number;
  /** Exemplars dropped because their labels were longer than OpenMetrics allows. */
  exemplarsDropped: number;
}

export abstract class Metric<L extends string, S extends SeriesState> {
  abstract readonly type: MetricType;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly maxSeries: number;
  readonly maxLabelValueLength: number;
  readonly idleExpiryMs: number | undefined;
  readonly collect: (() => void | Promise<void>) | undefined;
  /** Observations that went to the overflow series because the cap was reached. */
  overflowObservations = 0;
  protected readonly index: SeriesIndex<S>;

  constructor(
    config: MetricConfig<L>,
    protected readonly state: RegistryState,
    reservedLabels: readonly string[] = [],
  ) {
    if (config === null || typeof config !== 'object') throw new TypeError('metric config must be an object');
    validateMetricName(config.name);
    if (typeof config.help !== 'string') {
      throw new TypeError(`metric ${config.name}: help must be a string`);
    }
    this.name = config.name;
    this.help = config.help;
    this.labelNames = validateLabelNames(config.name, config.labelNames ?? [], reservedLabels) as L[];
    const maxSeries = config.maxSeries ?? state.defaultMaxSeries;
    if (!Number.isInteger(maxSeries) || maxSeries < 1 || maxSeries > MAX_SERIES_LIMIT) {
      throw new RangeError(
        `metric ${config.name}: maxSeries must be an integer from 1 to ${MAX_SERIES_LIMIT}, got ${maxSeries}`,
      );
    }
    this.maxSeries = maxSeries;
    const maxLabelValueLength = config.maxLabelValueLength ?? DEFAULT_MAX_LABEL_VALUE_LENGTH;
    if (
      !Number.isInteger(maxLabelValueLength) ||
      maxLabelValueLength < 1 ||
      maxLabelValueLength > MAX_LABEL_VALUE_LENGTH_LIMIT
    ) {
      throw new RangeError(
        `metric ${config.name}: maxLabelValueLength must be an integer ` +
          `from 1 to ${MAX_LABEL_VALUE_LENGTH_LIMIT}, got ${maxLabelValueLength}`,
      );
    }
    this.maxLabelValueLength = maxLabelValueLength;
    if (config.idleExpiryMs !== undefined) {
      if (!Number.isFinite(config.idleExpiryMs) || config.idleExpiryMs < MIN_IDLE_EXPIRY_MS) {
        throw new RangeError(
          `metric ${config.name}: idleExpiryMs must be a number ≥ ${MIN_IDLE_EXPIRY_MS}, got ${config.idleExpiryMs}`,
        );
      }
    }
    this.idleExpiryMs = config.idleExpiryMs;
    if (config.collect !== undefined && typeof config.collect !== 'function') {
      throw new TypeError(`metric ${config.name}: collect must be a function`);
    }
    this.collect = config.collect;
    this.index = new SeriesIndex<S>(
      this.name,
      this.labelNames,
      this.maxSeries,
      maxLabelValueLength,
      (values, overflow) => this.createSeries(values, overflow),
    );
  }

  protected abstract createSeries(values: readonly string[], overflow: boolean): S;

  /** The part of a new series every metric type shares; createSeries adds the numbers. */
  protected newSeriesState(values: readonly string[], overflow: boolean): SeriesState {
    return { values, touched: true, detached: false, overflow, createdAtMs: this.state.now() };
  }

  /**
   * Names this family writes in either format, its OpenMetrics family name included (a later
   * metric may not reuse them).
   */
  abstract sampleNames(): string[];

  /** Exposition lines of one series, each ending in a newline. */
  abstract formatSeries(series: S, format: ExpositionFormat): string;

  /** How many sample lines one series writes (scrape chunking). */
  abstract readonly samplesPerSeries: number;

  /** Live series count, excluding the overflow series. */
  get seriesCount(): number {
    return this.index.size;
  }

  /** Series removed by idle expiry so far. */
  get expiredSeries(): number {
    return this.index.expiredSeries;
  }

  /** Lookups sent to the overflow series because a label value was longer than the cap. */
  get labelValuesTooLong(): number {
    return this.index.labelValuesTooLong;
  }

  /** Resets every value by forgetting every series. Never throws. */
  reset(): void {
    this.index.clear();
    this.overflowObservations = 0;
    this.index.labelValuesTooLong = 0;
  }

  /** Idle-expiry sweep, run by the registry's timer. */
  sweep(): number {
    return this.index.sweep();
  }

  /**
   * Unlabelled counters and histograms are written as 0 before their first update (so rate()
   * and alerts see them from the first scrape); an unlabelled gauge only once it has been set.
   */
  protected readonly zeroBeforeFirstUpdate: boolean = true;

  series(): IterableIterator<S> {
    if (this.zeroBeforeFirstUpdate && this.labelNames.length === 0 && this.index.size === 0) {
      this.index.resolve(undefined);
    }
    return this.index.series();
  }

  /** The family name: the metric's name, except for counters in OpenMetrics (no `_total`). */
  familyName(_format: ExpositionFormat): string {
    return this.name;
  }

  header(format: ExpositionFormat = 'prometheus'): string {
    return familyHeader(format, this.familyName(format), this.type, this.help);
  }

  /** An exemplar to keep, or undefined when it is over the length limit (then counted). */
  protected exemplar(labels: ExemplarLabels, value: number): Exemplar | undefined {
    const rendered = renderExemplarLabels(this.name, labels);
    if (rendered === undefined) {
      this.state.exemplarsDropped++;
      return undefined;
    }
    return { labels: rendered, value, timestampMs: this.state.now() };
  }

  /** `a="x",b="y"` for a series (no braces), empty for an unlabelled metric. */
  protected labelPairs(series: S): string {
    const names = this.labelNames;
    let out = '';
    for (let i = 0; i < names.length; i++) {
      if (i > 0) out += ',';
      out += `${names[i]}="${escapeLabelValue(series.values[i])}"`;
    }
    return out;
  }

  protected resolve(labels: Labels<L> | undefined): S {
    if (labels !== undefined && (typeof labels !== 'object' || labels === null)) this.badFirstArgument(labels);
    return this.index.resolve(labels);
  }

  private badFirstArgument(value: unknown): never {
    throw new TypeError(
      `${this.type} ${this.name}: first argument must be a labels object or a number, ` +
        `got ${value === null ? 'null' : typeof value}`,
    );
  }

  protected reattach(series: S): S {
    return this.index.resolveValues(series.values);
  }
}
