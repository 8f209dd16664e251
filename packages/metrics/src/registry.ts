// The registry: owns metrics, runs collectors, writes the exposition in chunks.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Counter } from './counter.js';
import { Gauge } from './gauge.js';
import { Histogram, type HistogramConfig } from './histogram.js';
import { createScope, type Scope, type TimerHandle } from './lifecycle-adapter.js';
import { DEFAULT_MAX_SERIES, MAX_SERIES_LIMIT, SCRAPE_SAMPLES_PER_YIELD } from './limits.js';
import type { Metric, MetricConfig, RegistryState } from './metric.js';
import type { SeriesState } from './series-index.js';
import {
  OPENMETRICS_EOF,
  PROMETHEUS_CONTENT_TYPE,
  contentTypeOf,
  counterFamilyName,
  escapeLabelValue,
  familyHeader,
  formatValue,
  type ExpositionFormat,
} from './text-format.js';

export interface RegistryOptions {
  /** Cap on live series for metrics that do not set `maxSeries` (default 1000). */
  defaultMaxSeries?: number;
  /** Clock in ms since the epoch, for OpenMetrics `_created` and exemplar timestamps (default Date.now). */
  now?: () => number;
}

// any metric, whatever its label names and series type
export type AnyMetric = Metric<string, SeriesState>;

/** Families the registry writes about itself, so that capped metrics are visible. */
export const SERIES_FAMILY = 'heapwise_metrics_series';
export const OVERFLOW_FAMILY = 'heapwise_metrics_overflow_total';
export const EXPIRED_FAMILY = 'heapwise_metrics_expired_series_total';
export const LABEL_VALUE_TOO_LONG_FAMILY = 'heapwise_metrics_label_value_too_long_total';
export const COLLECT_ERRORS_FAMILY = 'heapwise_metrics_collect_errors_total';
export const EXEMPLARS_DROPPED_FAMILY = 'heapwise_metrics_exemplars_dropped_total';
/** What the registry writes about itself; counters among them end in `_total`. */
const SELF_FAMILIES = [
  SERIES_FAMILY,
  OVERFLOW_FAMILY,
  EXPIRED_FAMILY,
  LABEL_VALUE_TOO_LONG_FAMILY,
  COLLECT_ERRORS_FAMILY,
  EXEMPLARS_DROPPED_FAMILY,
];

export interface Registry {
  /** Content type of the Prometheus text 0.0.4 that `metrics()` writes by default. */
  readonly contentType: string;
  /** Content type of either format (the handler picks the format from the Accept header). */
  contentTypeFor(format: ExpositionFormat): string;
  readonly destroyed: boolean;
  counter<L extends string = never>(config: MetricConfig<L>): Counter<L>;
  gauge<L extends string = never>(config: MetricConfig<L>): Gauge<L>;
  histogram<L extends string = never>(config: HistogramConfig<L>): Histogram<L>;
  /** A registered metric by name. */
  get(name: string): AnyMetric | undefined;
  /** Unregisters a metric (and its expiry timer). Returns whether it existed. */
  remove(name: string): boolean;
  /** Runs `collect` before every scrape; returns a remover. Errors are counted, never thrown. */
  addCollector(collect: () => void | Promise<void>): () => void;
  /** Runs `teardown` once when the registry is destroyed; returns a remover. */
  onDestroy(teardown: () => unknown): () => void;
  /**
   * Every metric in Prometheus text 0.0.4 (default) or OpenMetrics 1.0 text; yields to the event
   * loop every 1000 samples. `''` once the registry is destroyed, also when destroy() lands while
   * this scrape runs: a scrape is whole or empty, never a part.
   */
  metrics(format?: ExpositionFormat): Promise<string>;
  /** Forgets every series of every metric. Never throws. */
  reset(): void;
  /** Stops every timer and collector and drops all series. Idempotent. */
  destroy(): Promise<void>;
}

class MetricsRegistry implements Registry {
  readonly contentType = PROMETHEUS_CONTENT_TYPE;
  private readonly state: RegistryState;
  private readonly metricsByName = new Map<string, AnyMetric>();
  /** Sample name → family that writes it, so two families never write the same sample name. */
  private readonly sampleOwners = new Map<string, string>();
  private readonly expiryTimers = new Map<string, TimerHandle>();
  private readonly collectors = new Set<() => void | Promise<void>>();
  private readonly teardowns = new Set<() => unknown>();
  private readonly scope: Scope = createScope('heapwise-metrics-registry');
  private collectErrors = 0;
  private destroying: Promise<void> | undefined;

  constructor(options: RegistryOptions = {}) {
    const defaultMaxSeries = options.defaultMaxSeries ?? DEFAULT_MAX_SERIES;
    if (!Number.isInteger(defaultMaxSeries) || defaultMaxSeries < 1 || defaultMaxSeries > MAX_SERIES_LIMIT) {
      throw new RangeError(
        `defaultMaxSeries must be an integer from 1 to ${MAX_SERIES_LIMIT}, got ${defaultMaxSeries}`,
      );
    }
    this.state = { destroyed: false, defaultMaxSeries, now: options.now ?? Date.now, exemplarsDropped: 0 };
    for (const family of SELF_FAMILIES) {
      this.sampleOwners.set(family, family);
      this.sampleOwners.set(counterFamilyName(family), family); // the OpenMetrics family name
    }
  }

  contentTypeFor(format: ExpositionFormat): string {
    return contentTypeOf(format);
  }

  get destroyed(): boolean {
    return this.state.destroyed;
  }

  counter<L extends string = never>(config: MetricConfig<L>): Counter<L> {
    return this.register(new Counter<L>(config, this.state));
  }

  gauge<L extends string = never>(config: MetricConfig<L>): Gauge<L> {
    return this.register(new Gauge<L>(config, this.state));
  }

  histogram<L extends string = never>(config: HistogramConfig<L>): Histogram<L> {
    return this.register(new Histogram<L>(config, this.state));
  }

  private register<M extends AnyMetric>(metric: M): M {
    if (this.state.destroyed) throw new Error(`registry destroyed: cannot register ${metric.name}`);
    for (const sample of metric.sampleNames()) {
      const owner = this.sampleOwners.get(sample);
      if (owner !== undefined) {
        throw new Error(
          owner === metric.name && this.metricsByName.has(owner)
            ? `metric ${metric.name} is already registered`
            : `metric ${metric.name}: sample name ${sample} is already written by ${owner}` +
                (this.metricsByName.has(owner) ? '' : ' (reserved by the registry)'),
        );
      }
    }
    for (const sample of metric.sampleNames()) this.sampleOwners.set(sample, metric.name);
    this.metricsByName.set(metric.name, metric);
    if (metric.idleExpiryMs !== undefined) {
      this.expiryTimers.set(
        metric.name,
        this.scope.setInterval(() => metric.sweep(), metric.idleExpiryMs, `expire idle series of ${metric.name}`),
      );
    }
    return metric;
  }

  get(name: string): AnyMetric | undefined {
    return this.metricsByName.get(name);
  }

  remove(name: string): boolean {
    const metric = this.metricsByName.get(name);
    if (metric === undefined) return false;
    this.metricsByName.delete(name);
    for (const sample of metric.sampleNames()) this.sampleOwners.delete(sample);
    this.expiryTimers.get(name)?.clear();
    this.expiryTimers.delete(name);
    metric.reset();
    return true;
  }

  addCollector(collect: () => void | Promise<void>): () => void {
    if (this.state.destroyed) throw new Error('registry destroyed: cannot add a collector');
    this.collectors.add(collect);
    return () => {
      this.collectors.delete(collect);
    };
  }

  onDestroy(teardown: () => unknown): () => void {
    this.teardowns.add(teardown);
    return () => {
      this.teardowns.delete(teardown);
    };
  }

  private async runCollectors(): Promise<void> {
    const pending: Promise<void>[] = [];
    const run = (collect: () => void | Promise<void>): void => {
      try {
        const result = collect();
        if (result instanceof Promise) {
          pending.push(
            result.catch(() => {
              this.collectErrors++;
            }),
          );
        }
      } catch {
        this.collectErrors++;
      }
    };
    for (const collect of this.collectors) run(collect);
    for (const metric of this.metricsByName.values()) if (metric.collect) run(metric.collect);
    await Promise.all(pending);
  }

  async metrics(format: ExpositionFormat = 'prometheus'): Promise<string> {
    if (format !== 'prometheus' && format !== 'openmetrics') {
      throw new TypeError(`exposition format must be "prometheus" or "openmetrics", got ${String(format)}`);
    }
    if (this.state.destroyed) return '';
    await this.runCollectors();
    // destroy() during the collectors has emptied the registry: a scrape now would hold only the
    // registry's own families, which reads as "every metric vanished".
    if (this.state.destroyed) return '';
    let out = '';
    let samplesSinceYield = 0;
    const labelled: AnyMetric[] = [];
    for (const metric of [...this.metricsByName.values()]) {
      if (metric.labelNames.length > 0) labelled.push(metric);
      out += metric.header(format);
      for (const series of metric.series()) {
        out += metric.formatSeries(series, format);
        samplesSinceYield += metric.samplesPerSeries;
        if (samplesSinceYield >= SCRAPE_SAMPLES_PER_YIELD) {
          samplesSinceYield = 0;
          // let requests, timers and I/O run between chunks of a large scrape
          await yieldToEventLoop();
          if (this.state.destroyed) return '';
        }
      }
    }
    out += this.selfFamilies(labelled, format);
    if (format === 'openmetrics') out += OPENMETRICS_EOF;
    return out;
  }

  private selfFamilies(labelled: readonly AnyMetric[], format: ExpositionFormat): string {
    // the registry's own counters all end in _total: their OpenMetrics family name drops it
    const header = (name: string, type: string, help: string): string =>
      familyHeader(format, format === 'openmetrics' && type === 'counter' ? counterFamilyName(name) : name, type, help);
    const family = (name: string, type: string, help: string, value: (m: AnyMetric) => number): string => {
      let out = header(name, type, help);
      for (const metric of labelled) {
        out += `${name}{metric="${escapeLabelValue(metric.name)}"} ${formatValue(value(metric))}\n`;
      }
      return out;
    };
    return (
      family(
        SERIES_FAMILY,
        'gauge',
        'Live series per labelled metric, excluding its overflow series.',
        (m) => m.seriesCount,
      ) +
      family(
        OVERFLOW_FAMILY,
        'counter',
        'Observations routed to the overflow series because the series cap was reached.',
        (m) => m.overflowObservations,
      ) +
      family(EXPIRED_FAMILY, 'counter', 'Series removed by idle expiry.', (m) => m.expiredSeries) +
      family(
        LABEL_VALUE_TOO_LONG_FAMILY,
        'counter',
        'Label sets sent to the overflow series because a label value was longer than the cap.',
        (m) => m.labelValuesTooLong,
      ) +
      header(COLLECT_ERRORS_FAMILY, 'counter', 'Collectors that threw or rejected during a scrape.') +
      `${COLLECT_ERRORS_FAMILY} ${this.collectErrors}\n` +
      header(
        EXEMPLARS_DROPPED_FAMILY,
        'counter',
        'Exemplars dropped because their labels were longer than OpenMetrics allows (128 characters).',
      ) +
      `${EXEMPLARS_DROPPED_FAMILY} ${this.state.exemplarsDropped}\n`
    );
  }

  reset(): void {
    for (const metric of this.metricsByName.values()) {
      try {
        metric.reset();
      } catch {
        // reset() never throws: a metric that cannot reset keeps its values
      }
    }
    this.collectErrors = 0;
    this.state.exemplarsDropped = 0;
  }

  destroy(): Promise<void> {
    if (this.destroying) return this.destroying;
    this.state.destroyed = true;
    for (const timer of this.expiryTimers.values()) timer.clear();
    this.expiryTimers.clear();
    const results: unknown[] = [];
    for (const teardown of [...this.teardowns]) {
      try {
        results.push(teardown());
      } catch {
        // a failing teardown must not keep the others from running
      }
    }
    this.teardowns.clear();
    this.collectors.clear();
    this.reset();
    this.metricsByName.clear();
    this.sampleOwners.clear();
    this.destroying = Promise.allSettled([...results, this.scope.close()]).then(() => undefined);
    return this.destroying;
  }
}

export function createRegistry(options?: RegistryOptions): Registry {
  return new MetricsRegistry(options);
}
