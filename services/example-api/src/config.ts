// Configuration from the environment, read once at start-up. Every limit the
// service enforces is a named constant here, documented where it is defined.

/** Port when `PORT` is unset; `PORT=0` asks the OS for a free port. */
export const DEFAULT_PORT = 3000;
/** Loopback by default: a demo service should not listen on every interface. */
export const DEFAULT_HOST = '127.0.0.1';
/** Largest request body accepted (JSON routes); more gets 413 before it is buffered. */
export const MAX_BODY_BYTES = 16 * 1024;
/** Upper bound of `GET /api/slow?ms=N`, so a request cannot hold a connection for ever. */
export const MAX_SLOW_MS = 10_000;
/** Upper bound of `GET /api/items?n=N`, so one request cannot allocate without limit. */
export const MAX_ITEMS = 1000;
/** Items built when `n` is not given. */
export const DEFAULT_ITEMS = 20;
/** Whole graceful shutdown (answer in-flight requests, flush logs) must end within this. */
export const SHUTDOWN_TIMEOUT_MS = 4500;
/** Share of the shutdown budget given to flushing and closing the log shipper. */
export const LOG_CLOSE_DEADLINE_MS = 2000;
/** Live series per metric (label combinations); beyond it the registry's overflow series counts. */
export const MAX_SERIES_PER_METRIC = 200;
/**
 * At most one manual memory cleanup per this interval (429 with Retry-After otherwise): an
 * aggressive cleanup forces a full GC, which pauses every request.
 */
export const MANUAL_CLEANUP_INTERVAL_MS = 10_000;

/**
 * HTTP server limits (node:http's defaults are 60 s for headers, 300 s per request and no
 * connection cap): a client that sends its headers slowly, or never, holds a socket and its
 * parser; these make such a client cost a bounded amount for a bounded time.
 */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  /** Whole request head must arrive within this (slowloris). */
  headersTimeoutMs: 10_000,
  /** Whole request, body included, within this; above MAX_SLOW_MS plus a body's upload. */
  requestTimeoutMs: 30_000,
  /**
   * Idle keep-alive sockets close after this. Behind a proxy or load balancer that reuses
   * connections, set it above the proxy's idle timeout, or the proxy may send on a closing socket.
   */
  keepAliveTimeoutMs: 5_000,
  /** Connections beyond this are closed as soon as they are accepted. */
  maxConnections: 1024,
};
/**
 * How often node:http checks headersTimeout and requestTimeout on open connections (its default
 * is 30 s, which would let a slow client keep its socket up to 30 s past the deadline).
 */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1000;

export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

export interface ServiceConfig {
  port: number;
  host: string;
  /** When set, logs are shipped to Elasticsearch's `_bulk` API instead of stdout. */
  elasticsearchUrl: string | undefined;
  elasticsearchIndex: string;
  logLevel: string;
  /** `HEAPWISE_DEMO_LEAK=1`: keep a Map entry per request, so the soak test can be shown to fail. */
  demoLeak: boolean;
  /**
   * HEAP_PROFILE_DIR: where the memory monitor writes a sampling heap profile on the first
   * critical reading and on `POST /api/monitoring/heap-profile`; unset: heap profiles are off.
   */
  heapProfileDir: string | undefined;
  /** HEAP_PROFILE_DURATION_MS: how long a profile samples (@heapwise/metrics' default when unset). */
  heapProfileDurationMs: number | undefined;
  /**
   * HEAP_PROFILE_SAMPLING_INTERVAL_BYTES: average bytes between samples (V8's 32 KiB when unset);
   * lower sees smaller leaks in a short profile, at more cost while it samples.
   */
  heapProfileSamplingIntervalBytes: number | undefined;
  /** ADMIN_TOKEN: when set, admin routes need `Authorization: Bearer <token>`. Never logged. */
  adminToken: string | undefined;
  http: HttpLimits;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`PORT must be an integer from 0 to 65535, got "${raw}"`);
  }
  return port;
}

function parsePositiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

function optionalPositiveInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  return env[name] === undefined || env[name] === '' ? undefined : parsePositiveInteger(env, name, 0);
}

function parseHttpLimits(env: NodeJS.ProcessEnv): HttpLimits {
  const limits: HttpLimits = {
    headersTimeoutMs: parsePositiveInteger(env, 'HTTP_HEADERS_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.headersTimeoutMs),
    requestTimeoutMs: parsePositiveInteger(env, 'HTTP_REQUEST_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.requestTimeoutMs),
    keepAliveTimeoutMs: parsePositiveInteger(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs),
    maxConnections: parsePositiveInteger(env, 'HTTP_MAX_CONNECTIONS', DEFAULT_HTTP_LIMITS.maxConnections),
  };
  // node:http refuses a headers timeout above the request timeout
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigError(
      `HTTP_HEADERS_TIMEOUT_MS (${limits.headersTimeoutMs}) ` +
        `must not exceed HTTP_REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs})`,
    );
  }
  return limits;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    port: parsePort(env.PORT),
    host: env.HOST || DEFAULT_HOST,
    elasticsearchUrl: env.ELASTICSEARCH_URL || undefined,
    elasticsearchIndex: env.ELASTICSEARCH_INDEX || 'example-api-logs',
    logLevel: env.LOG_LEVEL || 'info',
    demoLeak: env.HEAPWISE_DEMO_LEAK === '1' || env.HEAPWISE_DEMO_LEAK === 'true',
    adminToken: env.ADMIN_TOKEN || undefined,
    heapProfileDir: env.HEAP_PROFILE_DIR || undefined,
    heapProfileDurationMs: optionalPositiveInteger(env, 'HEAP_PROFILE_DURATION_MS'),
    heapProfileSamplingIntervalBytes: optionalPositiveInteger(env, 'HEAP_PROFILE_SAMPLING_INTERVAL_BYTES'),
    http: parseHttpLimits(env),
  };
}
