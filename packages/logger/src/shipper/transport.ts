import type { Client } from '@elastic/elasticsearch';
import { BULK_FILTER_PATH, recognizeAllAccepted } from './bulk-response.js';
import type { ClientOptions } from './options.js';

/** How the shipper sends a `_bulk` body: through a client (its own, built from `node`, or the caller's). */
export interface BulkTransport {
  /**
   * Sends one body. Resolves with the parsed answer (`readBulkItems` reads it); rejects with the
   * client's error (its `name` and `meta.statusCode` say what failed), a `RequestAbortedError` once
   * `signal` aborts.
   */
  bulk(body: Buffer, timeoutMs: number, signal: AbortSignal): Promise<unknown>;
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
  const { Client, Serializer } = await import('@elastic/elasticsearch');
  const Base = clientOptions?.Serializer ?? Serializer;
  // An answer saying every item was accepted is recognized, not parsed (see recognizeAllAccepted).
  class BulkAnswerSerializer extends Base {
    override deserialize<T = unknown>(json: string): T {
      return (recognizeAllAccepted(json) as T | undefined) ?? super.deserialize<T>(json);
    }
  }
  return new Client({
    ...clientOptions,
    Serializer: BulkAnswerSerializer,
    node,
    // Our accounting must see every attempt: no retries, no sniffing inside the client.
    maxRetries: 0,
    sniffOnStart: false,
    sniffInterval: false,
    sniffOnConnectionFault: false,
    requestTimeout: requestTimeoutMs,
  });
}

/**
 * How the client keeps secrets out of the errors it builds for a failed request: `remove` deletes
 * the request's headers, options and connection from the error. The client's default (`replace`)
 * copies the error's metadata key by key to censor secret names, and a Buffer's keys are its bytes:
 * 400,000 of them for one 0.4 MB body (90 MB of RSS for one failure, measured).
 */
export const ERROR_REDACTION = { type: 'remove' } as const;

/** One `_bulk` request through `client`; resolves with its parsed answer. */
export function sendBulk(client: Client, body: Buffer, timeoutMs: number, signal: AbortSignal): Promise<unknown> {
  return client.bulk(
    // The NDJSON body goes out as the bytes it was put together as (the client serializes only objects):
    // no decoding into a string that the HTTP layer would encode again.
    { operations: body as unknown as [], filter_path: BULK_FILTER_PATH },
    { requestTimeout: timeoutMs, maxRetries: 0, signal, redaction: ERROR_REDACTION },
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
