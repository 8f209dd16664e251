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

export interface ServiceConfig {
  port: number;
  host: string;
  /** When set, logs are shipped to Elasticsearch's `_bulk` API instead of stdout. */
  elasticsearchUrl: string | undefined;
  elasticsearchIndex: string;
  logLevel: string;
  /** `HEAPWISE_DEMO_LEAK=1`: keep a Map entry per request, so the soak test can be shown to fail. */
  demoLeak: boolean;
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    port: parsePort(env.PORT),
    host: env.HOST || DEFAULT_HOST,
    elasticsearchUrl: env.ELASTICSEARCH_URL || undefined,
    elasticsearchIndex: env.ELASTICSEARCH_INDEX || 'example-api-logs',
    logLevel: env.LOG_LEVEL || 'info',
    demoLeak: env.HEAPWISE_DEMO_LEAK === '1' || env.HEAPWISE_DEMO_LEAK === 'true',
  };
}
