import { MAX_SLOW_MS } from '../config.js';
import { sendJson } from '../http/respond.js';
import type { Route } from './context.js';
import { integerParam } from './query.js';

/** `GET /api/slow?ms=N` answers after N ms (N ≤ MAX_SLOW_MS): in-flight work for shutdown and load tests. */
export const slowRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/slow',
    handler: ({ res, url }) => {
      const delayMs = integerParam(url, 'ms', 0, MAX_SLOW_MS);
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          res.off('close', onClose);
          sendJson(res, 200, { delayedMs: delayMs });
          resolve();
        }, delayMs);
        // A client that goes away must not leave its timer behind.
        const onClose = () => {
          clearTimeout(timer);
          resolve();
        };
        res.once('close', onClose);
      });
    },
  },
];
