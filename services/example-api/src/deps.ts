// What the routes need from the outside world, as narrow interfaces. main.ts builds them
// from @heapwise/logger and @heapwise/metrics (see telemetry.ts); routes never import those.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceConfig } from './config.js';
import type { IntervalLimiter } from './http/interval-limiter.js';

export interface AppLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

export interface HttpMetrics {
  /**
   * Answers GET /metrics with Prometheus text of every metric, runtime and shipper ones
   * included (@heapwise/metrics' handler); calls `next(error)` when the scrape fails.
   */
  handle(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** `traceId` (from a W3C traceparent header) is attached as the exemplar. */
  observeRequest(route: string, method: string, status: number, durationMs: number, traceId?: string): void;
}

export interface Thresholds {
  warningMb: number;
  criticalMb: number;
}

export type CleanupLevel = 'moderate' | 'aggressive';

export interface MemoryMonitorPort {
  /** A fresh report (runs one check first, so the figures are current). */
  report(): Promise<unknown>;
  cleanup(level: CleanupLevel): Promise<unknown>;
  /** Throws a RangeError naming the problem (e.g. critical above the heap size limit). */
  updateThresholds(thresholds: Thresholds): void;
  /** Whether HEAP_PROFILE_DIR is set. */
  readonly heapProfilesEnabled: boolean;
  /** Samples for the configured time, writes a `.heapprofile`, answers what was written. */
  captureHeapProfile(): Promise<unknown>;
}

export interface AppDeps {
  config: ServiceConfig;
  logger: AppLogger;
  metrics: HttpMetrics;
  monitor: MemoryMonitorPort;
  /** Called first for every request: one access-log line when it finishes or is aborted. */
  logRequest(req: IncomingMessage, res: ServerResponse): void;
  /** Throws the HttpError (401/403) an admin request gets; returns when it may proceed. */
  authorizeAdmin(req: IncomingMessage): void;
  /** Manual cleanups: at most one per MANUAL_CLEANUP_INTERVAL_MS. */
  cleanupLimiter: IntervalLimiter;
}
