import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { startBulkServer } from '@heapwise/testkit';
import { AllAccepted } from '../src/shipper/bulk-response.js';
import { clientTransport, loadClient, sendBulk } from '../src/shipper/transport.js';

/** A client that records its calls and answers every `_bulk` with one 201 item. */
function fakeClient() {
  const calls: {
    params: { operations: unknown; filter_path: string };
    options: { maxRetries: number; redaction: unknown };
  }[] = [];
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

const BODY = Buffer.from('{"index":{"_index":"t"}}\n{"seq":1}\n');

describe('sendBulk', () => {
  it('hands the client the body bytes as they are, with filter_path, no retries and redaction by removal', async () => {
    const { client, calls } = fakeClient();
    const answer = await sendBulk(client, BODY, 1_000, new AbortController().signal);
    expect(answer).toEqual({ items: [{ index: { status: 201 } }] });
    expect(calls[0]?.params.operations).toBe(BODY);
    expect(calls[0]?.params.filter_path).toBe('errors,items.*.status,items.*.error');
    expect(calls[0]?.options.maxRetries).toBe(0);
    expect(calls[0]?.options.redaction).toEqual({ type: 'remove' });
  });

  it('a failed request’s error holds no credential and the body Buffer itself, not a copy of its bytes', async () => {
    const server = await startBulkServer({ mode: { kind: 'status', status: 500 } });
    const apiKey = 'c2VjcmV0LWtleS1kby1ub3QtbG9n';
    const client = await loadClient(server.url, { auth: { apiKey } }, 5_000);
    try {
      const body = Buffer.from(`${'{"index":{"_index":"t"}}\n{"msg":"x"}\n'.repeat(2_000)}`);
      const error = (await sendBulk(client, body, 5_000, new AbortController().signal).then(
        () => undefined,
        (failure: unknown) => failure,
      )) as { name: string; meta: { statusCode: number; meta: { request: { params: Record<string, unknown> } } } };
      expect(error.name).toBe('ResponseError');
      expect(error.meta.statusCode).toBe(500);
      // The client's default redaction would have copied the 76,000 bytes into an object key by key.
      expect(error.meta.meta.request.params['body']).toBe(body);
      expect(error.meta.meta.request.params['headers']).toBeUndefined();
      expect(inspect(error, { depth: 12 })).not.toContain(apiKey);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('a refused connection’s error holds neither the node URL’s password nor a copy of the body’s bytes', async () => {
    const server = await startBulkServer({ mode: 'refuse' });
    const password = 'pw-do-not-log-7f3a';
    const client = await loadClient(`http://elastic:${password}@127.0.0.1:${server.port}`, undefined, 5_000);
    try {
      const body = Buffer.from(`${'{"index":{"_index":"t"}}\n{"msg":"x"}\n'.repeat(2_000)}`);
      const error = (await sendBulk(client, body, 5_000, new AbortController().signal).then(
        () => undefined,
        (failure: unknown) => failure,
      )) as { name: string; meta: { meta: { request: { params: Record<string, unknown> } } } };
      expect(error.name).toBe('ConnectionError');
      expect(error.meta.meta.request.params['body']).toBe(body);
      expect(inspect(error, { depth: 12 })).not.toContain(password);
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe('loadClient', () => {
  it('builds a client that recognizes an all-accepted answer and parses any other', async () => {
    const server = await startBulkServer();
    const client = await loadClient(server.url, undefined, 5_000);
    try {
      const body = (seqs: number[]) =>
        Buffer.from(seqs.map((seq) => `{"create":{"_index":"t","_id":"id${seq}"}}\n{"seq":${seq}}\n`).join(''));
      const signal = new AbortController().signal;
      expect(await sendBulk(client, body([1, 2, 3]), 5_000, signal)).toEqual(new AllAccepted(3));
      // id2 exists: a 409 conflict among accepted items is an answer with errors, parsed.
      expect(await sendBulk(client, body([2, 4]), 5_000, signal)).toMatchObject({
        errors: true,
        items: [{ create: { status: 409 } }, { create: { status: 201 } }],
      });
      expect(server.counters.accepted).toBe(4);
    } finally {
      await client.close();
      await server.close();
    }
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
