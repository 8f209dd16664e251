// The metric libraries under test, behind one small interface.
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import client from 'prom-client';
import { importByName } from '../harness/import-by-name.js';

export type MetricsSubjectName = 'heapwise' | 'heapwise-uncapped' | 'prom-client' | 'opentelemetry';

export type LabelSet = Record<string, string>;

export interface MetricsInstance {
  counter(name: string, labelNames: string[], maxSeries?: number): { inc(labels?: LabelSet): void };
  gauge(name: string, labelNames: string[]): { set(value: number, labels?: LabelSet): void };
  histogram(name: string, labelNames: string[]): { observe(value: number, labels?: LabelSet): void };
  /** Prometheus text of everything registered. */
  scrape(): Promise<string>;
  /** Undoes what creation started: the library's own teardown where it has one. */
  destroy(): Promise<void>;
}

/** Histogram buckets every library gets (the Prometheus clients' defaults). */
export const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The subset of @heapwise/metrics' public API this bench relies on. The package is imported by a
 * computed specifier below, so these lines are the only types tsc checks the bench against.
 */
interface HeapwiseMetricsModule {
  createRegistry(): {
    counter(config: { name: string; help: string; labelNames?: string[]; maxSeries?: number }): {
      inc(labels?: LabelSet | number, value?: number): void;
    };
    gauge(config: { name: string; help: string; labelNames?: string[] }): {
      set(labels: LabelSet | number, value?: number): void;
    };
    histogram(config: { name: string; help: string; labelNames?: string[]; buckets?: number[] }): {
      observe(labels: LabelSet | number, value?: number): void;
    };
    metrics(): Promise<string>;
    destroy(): Promise<void>;
  };
  collectRuntimeMetrics(registry: unknown): { stop(): Promise<void> };
}

export async function loadHeapwiseMetrics(): Promise<HeapwiseMetricsModule> {
  return (await importByName('@heapwise/metrics')) as HeapwiseMetricsModule;
}

/**
 * Creates one registry/provider. `runtime` adds each library's process/runtime metrics as a user
 * would (heapwise `collectRuntimeMetrics`, prom-client `collectDefaultMetrics`; OpenTelemetry has
 * no runtime metrics in the SDK, its runtime instrumentation is a separate package not installed).
 */
export async function createMetrics(name: MetricsSubjectName, runtime = false): Promise<MetricsInstance> {
  switch (name) {
    case 'heapwise':
    case 'heapwise-uncapped': {
      const module = await loadHeapwiseMetrics();
      const registry = module.createRegistry();
      const runtimeHandle = runtime ? module.collectRuntimeMetrics(registry) : undefined;
      return {
        counter(metric, labelNames, maxSeries) {
          const c = registry.counter({
            name: metric,
            help: metric,
            labelNames,
            ...(name === 'heapwise-uncapped' && maxSeries !== undefined ? { maxSeries } : {}),
          });
          return { inc: (labels) => (labels === undefined ? c.inc() : c.inc(labels)) };
        },
        gauge(metric, labelNames) {
          const g = registry.gauge({ name: metric, help: metric, labelNames });
          return { set: (value, labels) => (labels === undefined ? g.set(value) : g.set(labels, value)) };
        },
        histogram(metric, labelNames) {
          const h = registry.histogram({ name: metric, help: metric, labelNames, buckets: BUCKETS });
          return { observe: (value, labels) => (labels === undefined ? h.observe(value) : h.observe(labels, value)) };
        },
        scrape: () => registry.metrics(),
        async destroy() {
          await runtimeHandle?.stop();
          await registry.destroy();
        },
      };
    }
    case 'prom-client': {
      const registry = new client.Registry();
      if (runtime) client.collectDefaultMetrics({ register: registry });
      return {
        counter(metric, labelNames) {
          const c = new client.Counter({ name: metric, help: metric, labelNames, registers: [registry] });
          return { inc: (labels) => (labels === undefined ? c.inc() : c.inc(labels)) };
        },
        gauge(metric, labelNames) {
          const g = new client.Gauge({ name: metric, help: metric, labelNames, registers: [registry] });
          return { set: (value, labels) => (labels === undefined ? g.set(value) : g.set(labels, value)) };
        },
        histogram(metric, labelNames) {
          const h = new client.Histogram({
            name: metric,
            help: metric,
            labelNames,
            buckets: BUCKETS,
            registers: [registry],
          });
          return { observe: (value, labels) => (labels === undefined ? h.observe(value) : h.observe(labels, value)) };
        },
        scrape: () => registry.metrics(),
        // prom-client has no teardown; clear() is what its docs offer.
        destroy: () => Promise.resolve(registry.clear()),
      };
    }
    case 'opentelemetry': {
      const exporter = new PrometheusExporter({ preventServerStart: true });
      const provider = new MeterProvider({ readers: [exporter] });
      const meter = provider.getMeter('bench');
      const serializer = new PrometheusSerializer();
      return {
        counter(metric) {
          const c = meter.createCounter(metric, { description: metric });
          return { inc: (labels) => c.add(1, labels) };
        },
        gauge(metric) {
          const g = meter.createGauge(metric, { description: metric });
          return { set: (value, labels) => g.record(value, labels) };
        },
        histogram(metric) {
          const h = meter.createHistogram(metric, {
            description: metric,
            advice: { explicitBucketBoundaries: BUCKETS },
          });
          return { observe: (value, labels) => h.record(value, labels) };
        },
        async scrape() {
          const { resourceMetrics } = await exporter.collect();
          return serializer.serialize(resourceMetrics);
        },
        destroy: () => provider.shutdown(),
      };
    }
  }
}
