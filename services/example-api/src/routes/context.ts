import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../deps.js';

/** Counters the app keeps about itself; plain numbers, nothing that grows. */
export interface AppState {
  requestsCompleted: number;
  /** Only used when the demo leak is switched on; otherwise stays empty. */
  readonly leak: Map<number, { url: string; atMs: number }>;
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  deps: AppDeps;
  state: AppState;
}

export type RouteHandler = (context: RouteContext) => void | Promise<void>;

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handler: RouteHandler;
}
