// Messages between the shipper (logging thread) and its request thread (bulk-worker.ts).
import type { ClientOptions } from './options.js';

export interface WorkerSetup {
  /** Client options, already with heapwise's settings (see `clientSettings`); copied across threads. */
  settings: ClientOptions;
}

export type ToWorker =
  /** Send `body` (an ArrayBuffer moved, not copied, to the request thread). */
  | { type: 'bulk'; id: number; body: ArrayBuffer; timeoutMs: number }
  /** close() gave up on request `id`. */
  | { type: 'abort'; id: number };

/** The error of a request that failed, as the client reported it (what `classifyRequestError` reads). */
export interface RequestErrorShape {
  name: string;
  message: string;
  statusCode: number | undefined;
}

export type FromWorker =
  | { id: number; statuses: Uint16Array; errors: Record<number, unknown> }
  /** The answer had no `items`. */
  | { id: number; noItems: true }
  | { id: number; error: RequestErrorShape };

export function describeRequestError(error: unknown): RequestErrorShape {
  const shape = error as { name?: unknown; message?: unknown; meta?: { statusCode?: unknown } } | null;
  const statusCode = shape?.meta?.statusCode;
  return {
    name: typeof shape?.name === 'string' ? shape.name : 'Error',
    message: typeof shape?.message === 'string' ? shape.message : String(error),
    statusCode: typeof statusCode === 'number' ? statusCode : undefined,
  };
}

/** The error the shipper sees: an Error with the client's `name` and `meta.statusCode`. */
export function requestError(shape: RequestErrorShape): Error {
  const error = new Error(shape.message);
  error.name = shape.name;
  return Object.assign(error, { meta: { statusCode: shape.statusCode } });
}
