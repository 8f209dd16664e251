import type { Client } from '@elastic/elasticsearch';
import type { ClientOptions } from './options.js';

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
