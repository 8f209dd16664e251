import type { Route } from './context.js';

export const metricsRoutes: Route[] = [
  {
    method: 'GET',
    path: '/metrics',
    // Settles when the response is done, or with the scrape's error (which becomes a 500).
    handler: ({ req, res, deps }) =>
      new Promise<void>((resolve, reject) => {
        res.once('close', () => resolve());
        deps.metrics.handle(req, res, (error) =>
          reject(error instanceof Error ? error : new Error('metrics handler did not answer /metrics')),
        );
      }),
  },
];
