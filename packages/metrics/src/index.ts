export { createRegistry } from './registry.js';
export type { Registry, RegistryOptions, AnyMetric } from './registry.js';
export {
  SERIES_FAMILY,
  OVERFLOW_FAMILY,
  EXPIRED_FAMILY,
  LABEL_VALUE_TOO_LONG_FAMILY,
  COLLECT_ERRORS_FAMILY,
  EXEMPLARS_DROPPED_FAMILY,
} from './registry.js';
export { Counter } from './counter.js';
export type { BoundCounter, CounterSeries } from './counter.js';
export { Gauge } from './gauge.js';
export type { BoundGauge, GaugeSeries } from './gauge.js';
export { Histogram } from './histogram.js';
export type { BoundHistogram, HistogramConfig, HistogramSeries } from './histogram.js';
export type { MetricConfig, MetricType } from './metric.js';
export type { LabelValue, Labels } from './series-index.js';
export {
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  contentTypeOf,
  escapeHelp,
  escapeLabelValue,
  formatValue,
} from './text-format.js';
export type { ExpositionFormat } from './text-format.js';
export { negotiateFormat } from './negotiate.js';
export { MAX_EXEMPLAR_LABEL_CHARS } from './exemplar.js';
export type { ExemplarLabels } from './exemplar.js';
export {
  DEFAULT_BUCKETS,
  DEFAULT_MAX_LABEL_VALUE_LENGTH,
  DEFAULT_MAX_SERIES,
  MAX_LABEL_VALUE_LENGTH_LIMIT,
  MAX_BUCKETS,
  MAX_SERIES_LIMIT,
  MIN_IDLE_EXPIRY_MS,
  OVERFLOW_LABEL_VALUE,
  SCRAPE_SAMPLES_PER_YIELD,
} from './limits.js';
export { createMetricsHandler } from './http-handler.js';
export type { MetricsHandler, MetricsHandlerOptions } from './http-handler.js';
export {
  collectRuntimeMetrics,
  DEFAULT_EVENT_LOOP_RESOLUTION_MS,
  GC_DURATION_BUCKETS_SECONDS,
} from './runtime-metrics.js';
export type { RuntimeMetricsHandle, RuntimeMetricsOptions } from './runtime-metrics.js';
export {
  createMemoryMonitor,
  readProcessMemory,
  validateThresholds,
  CLEANUP_ACTION_TIMEOUT_MS,
  DEFAULT_CHECK_INTERVAL_MS,
  DEFAULT_CLEANUP_COOLDOWN_MS,
  DEFAULT_CRITICAL_FRACTION,
  DEFAULT_MAX_CLEANUP_HISTORY,
  DEFAULT_WARNING_FRACTION,
  MIN_CHECK_INTERVAL_MS,
  MIN_WARNING_FRACTION_OF_LIMIT,
} from './memory-monitor.js';
export {
  DEFAULT_HEAP_PROFILE_DURATION_MS,
  DEFAULT_MAX_DIAGNOSTIC_FILES,
  DEFAULT_SAMPLING_INTERVAL_BYTES,
  MAX_HEAP_PROFILE_DURATION_MS,
  SNAPSHOT_FREE_MEMORY_FACTOR,
} from './heap-diagnostics.js';
export type { DiagnosticRecord, DiagnosticTrigger, HeapDiagnosticsOptions } from './heap-diagnostics.js';
export { resolveMonitorSettings } from './monitor-config.js';
export type { MonitorSettings } from './monitor-config.js';
export type {
  CleanupAction,
  CleanupLevel,
  CleanupRecord,
  MemoryMonitor,
  MemoryMonitorOptions,
  MemoryReading,
  MemoryReport,
  MemoryStatus,
  MemoryThresholds,
} from './memory-monitor.js';
