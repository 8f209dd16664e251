export { createRegistry } from './registry.js';
export type { Registry, RegistryOptions, AnyMetric } from './registry.js';
export { SERIES_FAMILY, OVERFLOW_FAMILY, EXPIRED_FAMILY, COLLECT_ERRORS_FAMILY } from './registry.js';
export { Counter } from './counter.js';
export type { BoundCounter, CounterSeries } from './counter.js';
export { Gauge } from './gauge.js';
export type { BoundGauge, GaugeSeries } from './gauge.js';
export { Histogram } from './histogram.js';
export type { BoundHistogram, HistogramConfig, HistogramSeries } from './histogram.js';
export type { MetricConfig, MetricType } from './metric.js';
export type { LabelValue, Labels } from './series-index.js';
export { PROMETHEUS_CONTENT_TYPE, escapeHelp, escapeLabelValue, formatValue } from './text-format.js';
export {
  DEFAULT_BUCKETS,
  DEFAULT_MAX_SERIES,
  MAX_BUCKETS,
  MAX_SERIES_LIMIT,
  MIN_IDLE_EXPIRY_MS,
  OVERFLOW_LABEL_VALUE,
  SCRAPE_SAMPLES_PER_YIELD,
} from './limits.js';
