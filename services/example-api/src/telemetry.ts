// Logging, metrics and the memory monitor, built from the @heapwise packages and handed to the
// routes as the narrow interfaces of deps.ts. Everything started here is adopted by the scope,
// so the graceful shutdown stops it in reverse order: the log shipper closes last, after
// everything else had its chance to log.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Scope } from '@heapwise/lifecycle';
import {
  createElasticsearchShipper,
  createHttpLogging,
  createLogger,
  SHIPPER_DEFAULTS,
  type ElasticsearchShipper,
  type ShipperStats,
} from '@heapwise/logger';
import {
  collectRuntimeMetrics,
  createMemoryMonitor,
  createMetricsHandler,
  createRegistry,
  type CleanupAction,
  type Registry,
} from '@heapwise/metrics';
import { LOG_CLOSE_DEADLINE_MS, MAX_SERIES_PER_METRIC, type ServiceConfig } from './config.js';
import type { AppLogger, HttpMetrics, MemoryMonitorPort } from './deps.js';

/** Request duration buckets in seconds: 1 ms to 10 s, the range of /api/slow. */
const DURATION_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface Telemetry {
  logger: AppLogger;
  metrics: HttpMetrics;
  monitor: MemoryMonitorPort;
  logRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /** Adds an action the memory monitor runs at warning/critical (and on a manual cleanup). */
  registerCleanup(name: string, action: CleanupAction): void;
}

/** The shipper's stats() as Prometheus series, so its drops are visible on /metrics. */
function registerShipperMetrics(registry: Registry, shipper: ElasticsearchShipper): void {
  const records = registry.counter({
    name: 'log_shipper_records_total',
    help: 'Log records by outcome: produced by the service, shipped to Elasticsearch.',
    labelNames: ['outcome'],
    maxSeries: 2,
  });
  const dropped = registry.counter({
    name: 'log_shipper_dropped_total',
    help: 'Log records the shipper dropped, by reason.',
    labelNames: ['reason'],
    maxSeries: 8,
  });
  const retries = registry.counter({
    name: 'log_shipper_retries_total',
    help: 'Log records put back for another attempt.',
  });
  const failedRequests = registry.counter({
    name: 'log_shipper_failed_requests_total',
    help: '_bulk requests that failed as a whole.',
  });
  const buffered = registry.gauge({ name: 'log_shipper_buffered_records', help: 'Log records queued or in flight.' });
  const bufferedBytes = registry.gauge({
    name: 'log_shipper_buffered_bytes',
    help: 'UTF-8 bytes of the buffered log records.',
  });
  // The buffer's capacity (the shipper runs with the defaults), so that "how full" is a ratio a
  // rule can read: the LogShipperBufferFull alert of @heapwise/metrics' rules.
  registry
    .gauge({ name: 'log_shipper_buffer_capacity_records', help: 'Records the log shipper buffers at most.' })
    .set(SHIPPER_DEFAULTS.maxBufferedItems);
  registry
    .gauge({
      name: 'log_shipper_buffer_capacity_bytes',
      help: 'UTF-8 bytes of records the log shipper buffers at most.',
    })
    .set(SHIPPER_DEFAULTS.maxBufferedBytes);
  // stats() are running totals: on each scrape the counters move by the difference since the last one.
  let last: ShipperStats | undefined;
  registry.addCollector(() => {
    const now = shipper.stats();
    const delta = (current: number, previous: number | undefined) => current - (previous ?? 0);
    records.inc({ outcome: 'produced' }, delta(now.produced, last?.produced));
    records.inc({ outcome: 'shipped' }, delta(now.shipped, last?.shipped));
    for (const reason of Object.keys(now.dropped) as (keyof ShipperStats['dropped'])[]) {
      dropped.inc({ reason }, delta(now.dropped[reason], last?.dropped[reason]));
    }
    retries.inc(delta(now.retries, last?.retries));
    failedRequests.inc(delta(now.failedRequests, last?.failedRequests));
    buffered.set(now.buffered);
    bufferedBytes.set(now.bufferedBytes);
    last = now;
  });
}

export function createTelemetry(config: ServiceConfig, scope: Scope): Telemetry {
  const shipper = config.elasticsearchUrl
    ? createElasticsearchShipper({ node: config.elasticsearchUrl, index: config.elasticsearchIndex })
    : undefined;
  // Adopted first, so closed last; close() flushes what is buffered within the deadline.
  if (shipper) scope.adopt(shipper, (s) => s.close(LOG_CLOSE_DEADLINE_MS), 'elasticsearch log shipper');
  const logger = createLogger({ level: config.logLevel, ...(shipper ? { destination: shipper } : {}) });
  if (!shipper) {
    // stdout: pino's writer may hold lines while the pipe is busy; write them out before exit.
    scope.adopt(logger, (l) => new Promise<void>((resolve) => l.flush(() => resolve())), 'stdout logger');
  }
  const logRequest = createHttpLogging({ logger });

  const registry = createRegistry({ defaultMaxSeries: MAX_SERIES_PER_METRIC });
  scope.adopt(registry, (r) => r.destroy(), 'metrics registry');
  const runtime = collectRuntimeMetrics(registry);
  scope.adopt(runtime, (r) => r.stop(), 'runtime metrics');
  if (shipper) registerShipperMetrics(registry, shipper);

  const requests = registry.counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route, method and status.',
    labelNames: ['route', 'method', 'status'],
  });
  const durations = registry.histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and method.',
    labelNames: ['route', 'method'],
    buckets: DURATION_BUCKETS_S,
  });

  const metricsHandler = createMetricsHandler(registry);

  const monitor = createMemoryMonitor({
    registry,
    ...(config.heapProfileDir
      ? {
          heapProfile: {
            dir: config.heapProfileDir,
            ...(config.heapProfileDurationMs === undefined ? {} : { durationMs: config.heapProfileDurationMs }),
            ...(config.heapProfileSamplingIntervalBytes === undefined
              ? {}
              : { samplingIntervalBytes: config.heapProfileSamplingIntervalBytes }),
          },
        }
      : {}),
    onStatusChange: (status, previous) => logger.warn({ status, previous }, `memory status ${previous} -> ${status}`),
  });
  scope.adopt(monitor, (m) => m.stop(), 'memory monitor');

  return {
    logger,
    logRequest: (req, res) => logRequest(req, res),
    registerCleanup: (name, action) => {
      monitor.registerCleanup(name, action);
    },
    metrics: {
      handle: (req, res, next) => metricsHandler(req, res, next),
      observeRequest(route, method, status, durationMs, traceId) {
        const exemplar = traceId === undefined ? undefined : { trace_id: traceId };
        requests.inc({ route, method, status: String(status) }, 1, exemplar);
        durations.observe({ route, method }, durationMs / 1000, exemplar);
      },
    },
    monitor: {
      async report() {
        await monitor.check(); // current figures, not those of the last periodic check
        return monitor.report();
      },
      cleanup: (level) => monitor.cleanup(level),
      updateThresholds: (thresholds) => monitor.updateThresholds(thresholds),
      heapProfilesEnabled: config.heapProfileDir !== undefined,
      captureHeapProfile: () => monitor.captureHeapProfile(),
    },
  };
}
