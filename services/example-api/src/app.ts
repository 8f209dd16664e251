import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CONNECTIONS_CHECKING_INTERVAL_MS } from './config.js';
import type { AppDeps } from './deps.js';
import { HttpError } from './http/errors.js';
import { sendError } from './http/respond.js';
import type { AppState, Route } from './routes/context.js';
import { healthRoutes } from './routes/health.js';
import { itemRoutes } from './routes/items.js';
import { metricsRoutes } from './routes/metrics.js';
import { monitoringRoutes } from './routes/monitoring.js';
import { slowRoutes } from './routes/slow.js';

/**
 * W3C trace context (`traceparent: 00-<trace id>-<span id>-<flags>`): the trace id becomes the
 * exemplar of the request's metrics, so a latency spike on a dashboard links to a trace.
 */
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

function traceIdOf(req: IncomingMessage): string | undefined {
  const header = req.headers.traceparent;
  const traceId = typeof header === 'string' ? TRACEPARENT.exec(header.trim())?.[1] : undefined;
  return traceId === undefined || /^0+$/.test(traceId) ? undefined : traceId;
}

/** Metric label for requests that matched no route: one series, whatever URLs clients invent. */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * The deliberate leak of `HEAPWISE_DEMO_LEAK=1`: one entry per request that nothing deletes. A
 * named function on purpose: it is the allocation site a heap profile must show.
 */
function keepDemoLeakEntry(leak: AppState['leak'], sequence: number, url: string): void {
  leak.set(sequence, { url, atMs: Date.now() });
}

export interface App {
  server: Server;
  state: AppState;
}

// Only the path and query matter; the base is a placeholder that is never contacted.
const URL_BASE = 'http://service.invalid';

function parseRequestUrl(target: string | undefined): URL & { ok: boolean } {
  try {
    return Object.assign(new URL(target ?? '/', URL_BASE), { ok: true });
  } catch {
    return Object.assign(new URL('/', URL_BASE), { ok: false });
  }
}

export function createApp(deps: AppDeps): App {
  const routes: Route[] = [...healthRoutes, ...metricsRoutes, ...monitoringRoutes, ...itemRoutes, ...slowRoutes];
  const byPath = new Map<string, Map<string, Route>>();
  for (const route of routes) {
    const methods = byPath.get(route.path) ?? new Map<string, Route>();
    methods.set(route.method, route);
    byPath.set(route.path, methods);
  }
  const state: AppState = { requestsCompleted: 0, leak: new Map() };
  let leakSequence = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = process.hrtime.bigint();
    deps.logRequest(req, res);
    const url = parseRequestUrl(req.url);
    const methods = byPath.get(url.pathname);
    const route = methods?.get(req.method ?? '');
    const routeLabel = methods ? url.pathname : UNMATCHED_ROUTE;

    res.once('finish', () => {
      state.requestsCompleted += 1;
      const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
      deps.metrics.observeRequest(routeLabel, req.method ?? 'UNKNOWN', res.statusCode, durationMs, traceIdOf(req));
    });

    if (deps.config.demoLeak) keepDemoLeakEntry(state.leak, ++leakSequence, req.url ?? '');

    try {
      if (!url.ok) throw new HttpError(400, 'request target is not a valid URL');
      if (!methods) throw new HttpError(404, `no route for ${url.pathname}`);
      if (!route) {
        const allowed = [...methods.keys()].join(', ');
        throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}; use ${allowed}`, { allow: allowed });
      }
      await route.handler({ req, res, url, deps, state });
    } catch (error) {
      if (res.headersSent) {
        res.destroy(error as Error);
        return;
      }
      if (error instanceof HttpError) {
        sendError(res, error.status, error.message, error.headers);
        return;
      }
      deps.logger.error({ err: error, path: url.pathname }, 'request failed');
      sendError(res, 500, 'internal error');
    }
  }

  const limits = deps.config.http;
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
    },
    (req, res) => {
      void handle(req, res);
    },
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  return { server, state };
}
