import type { Client } from '@elastic/elasticsearch';
import { BULK_FILTER_PATH } from './bulk-response.js';
import type { ClientOptions } from './options.js';

/** How the shipper sends a `_bulk` body: through a client (its own, built from `node`, or the caller's). */
export interface BulkTransport {
  /**
   * Sends one body. Resolves with the parsed answer (`readBulkItems` reads it); rejects with the
   * client's error (its `name` and `meta.statusCode` say what failed), a `RequestAbortedError` once
   * `signal` aborts.
   */
  bulk(body: string, timeoutMs: number, signal: AbortSignal): Promise<unknown>;
  /** Idempotent; a request still in flight is abandoned. */
  close(): Promise<void>;
}

/**
 * Loads `@elastic/elasticsearch` and builds a client for the shipper. Loaded on first use, not
 * when `@heapwise/logger` is imported: the client and its HTTP stack cost about 27 MiB of RSS,
 * which a process that logs to stdout should not pay.
 */
export async function loadClient(
  node: string | string[],
  clientOptions: Omit<ClientOptions, 'node' | 'nodes'> | undefined,
  requestTimeoutMs: number,
): Promise<Client> {
  const { Client } = await import('@elastic/elasticsearch');
  return new Client({
    ...clientOptions,
    node,
    // Our accounting must see every attempt: no retries, no sniffing inside the client.
    maxRetries: 0,
    sniffOnStart: false,
    sniffInterval: false,
    sniffOnConnectionFault: false,
    requestTimeout: requestTimeoutMs,
  });
}

/** One `_bulk` request through `client`; resolves with its parsed answer. */
export function sendBulk(client: Client, body: string, timeoutMs: number, signal: AbortSignal): Promise<unknown> {
  return client.bulk(
    // The NDJSON body goes out as is (the client serializes only objects), as a string: the error
    // the client builds for a failed request copies its metadata key by key to redact secrets, and
    // a Buffer's keys are its bytes (400,000 of them for a 0.4 MB body).
    { operations: body as unknown as [], filter_path: BULK_FILTER_PATH },
    { requestTimeout: timeoutMs, maxRetries: 0, signal },
  );
}

/**
 * Requests through `client`. `owned`: built by the shipper, so closed with it (a client of the
 * caller's is left open).
 */
export function clientTransport(client: Promise<Client>, owned: boolean): BulkTransport {
  // A failed load reaches every request as its error; this only keeps it from being unhandled.
  client.catch(() => undefined);
  let closed: Promise<void> | undefined;
  return {
    bulk: async (body, timeoutMs, signal) => sendBulk(await client, body, timeoutMs, signal),
    close() {
      closed ??= owned
        ? client.then(
            (built) => built.close(),
            () => undefined,
          )
        : Promise.resolve();
      return closed;
    },
  };
}
