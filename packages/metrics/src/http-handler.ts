// GET /metrics for node:http `(req, res)` and express-style `(req, res, next)`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { negotiateFormat } from './negotiate.js';
import type { Registry } from './registry.js';

export interface MetricsHandlerOptions {
  /** Path served (query string ignored). Default `/metrics`. */
  path?: string;
}

/** Express passes `originalUrl` (the path before mounting); plain node:http only has `url`. */
type Request = IncomingMessage & { originalUrl?: string };
type Next = (error?: unknown) => void;

export type MetricsHandler = (req: IncomingMessage, res: ServerResponse, next?: Next) => void;

function pathOf(req: Request): string {
  const url = req.originalUrl ?? req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Answers the metrics path with the registry's exposition; for any other path it calls `next()`
 * when there is one (middleware) and answers 404 otherwise (a bare node:http server).
 * Methods other than GET/HEAD get 405. A failing scrape goes to `next(error)` or answers 500; a
 * destroyed registry (also one destroyed while the scrape ran) answers 503.
 */
export function createMetricsHandler(registry: Registry, options: MetricsHandlerOptions = {}): MetricsHandler {
  const path = options.path ?? '/metrics';
  return (req, res, next) => {
    if (pathOf(req) !== path) {
      if (next) return next();
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
        .end('method not allowed\n');
      return;
    }
    const format = negotiateFormat(req.headers.accept);
    registry.metrics(format).then(
      (body) => {
        if (res.headersSent || res.destroyed) return;
        if (registry.destroyed) {
          // The process is shutting down (or the registry was replaced): say so, so that the
          // scraper records a failed scrape instead of a target whose series all vanished.
          res
            .writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
            .end('metrics registry destroyed\n');
          return;
        }
        res.writeHead(200, {
          'content-type': registry.contentTypeFor(format),
          vary: 'Accept',
          'content-length': Buffer.byteLength(body),
          'cache-control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        if (next) return next(error);
        if (res.headersSent || res.destroyed) return;
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics collection failed\n');
      },
    );
  };
}
