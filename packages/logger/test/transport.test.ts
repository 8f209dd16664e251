import { describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { clientTransport, sendBulk } from '../src/shipper/transport.js';

/** A client that records its calls and answers every `_bulk` with one 201 item. */
function fakeClient() {
  const calls: { params: { operations: unknown; filter_path: string }; options: { maxRetries: number } }[] = [];
  let closes = 0;
  const client = {
    bulk: (params: (typeof calls)[number]['params'], options: (typeof calls)[number]['options']) => {
      calls.push({ params, options });
      return Promise.resolve({ items: [{ index: { status: 201 } }] });
    },
    close: () => {
      closes++;
      return Promise.resolve();
    },
  };
  return { client: client as unknown as Client, calls, closes: () => closes };
}

const BODY = '{"index":{"_index":"t"}}\n{"seq":1}\n';

describe('sendBulk', () => {
  it('hands the client the body as a string, with filter_path and no retries, and returns its answer', async () => {
    const { client, calls } = fakeClient();
    const answer = await sendBulk(client, BODY, 1_000, new AbortController().signal);
    expect(answer).toEqual({ items: [{ index: { status: 201 } }] });
    // A Buffer would be copied byte by byte into every error the client builds (its secret redaction).
    expect(calls[0]?.params.operations).toBe(BODY);
    expect(calls[0]?.params.filter_path).toBe('items.*.status,items.*.error');
    expect(calls[0]?.options.maxRetries).toBe(0);
  });
});

describe('clientTransport', () => {
  it('closes a client it built, once however often it is closed; leaves a caller’s client open', async () => {
    const owned = fakeClient();
    const transport = clientTransport(Promise.resolve(owned.client), true);
    await transport.bulk(BODY, 1_000, new AbortController().signal);
    await Promise.all([transport.close(), transport.close()]);
    expect(owned.closes()).toBe(1);

    const callers = fakeClient();
    await clientTransport(Promise.resolve(callers.client), false).close();
    expect(callers.closes()).toBe(0);
  });

  it('a client that failed to load fails each request with its error, and closing still resolves', async () => {
    const failed = Promise.reject(new Error('cannot load the client'));
    const transport = clientTransport(failed, true);
    await expect(transport.bulk(BODY, 1_000, new AbortController().signal)).rejects.toThrow('cannot load the client');
    await expect(transport.close()).resolves.toBeUndefined();
  });
});
