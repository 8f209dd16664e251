import { sendText } from '../http/respond.js';
import type { Route } from './context.js';

export const metricsRoutes: Route[] = [
  {
    method: 'GET',
    path: '/metrics',
    handler: async ({ res, deps }) => {
      const { contentType, body } = await deps.metrics.scrape();
      sendText(res, 200, body, contentType);
    },
  },
];
