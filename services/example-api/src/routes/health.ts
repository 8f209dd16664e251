import { sendJson } from '../http/respond.js';
import type { Route } from './context.js';

export const healthRoutes: Route[] = [
  {
    method: 'GET',
    path: '/health',
    handler: ({ res }) => sendJson(res, 200, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) }),
  },
];
