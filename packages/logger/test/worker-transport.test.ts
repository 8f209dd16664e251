import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startBulkServer, type BulkServer } from '@heapwise/testkit';
import { clientSettings } from '../src/shipper/transport.js';
import { canCrossThreads, WorkerTransport } from '../src/shipper/worker-transport.js';

const threads = (): number => readdirSync('/proc/self/task').length;
/** A body in a buffer of its own, as buildBulkBody makes them. */
function body(...seqs: number[]): Buffer {
  const text = seqs.map((seq) => `{"index":{"_index":"t"}}\n{"seq":${seq}}\n`).join('');
  const own = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  own.write(text);
  return own;
}

let server: BulkServer | undefined;
let transport: WorkerTransport | undefined;
afterEach(async () => {
  await transport?.close();
  await server?.close();
  transport = undefined;
  server = undefined;
});

async function start(mode?: Parameters<typeof startBulkServer>[0]): Promise<WorkerTransport> {
  server = await startBulkServer(mode);
  transport = new WorkerTransport(clientSettings(server.url, undefined, 2_000));
  return transport;
}

describe('WorkerTransport: _bulk requests on a request thread', () => {
  it('sends a body and brings back each item status; the body moves to the thread without a copy', async () => {
    const bulk = await start();
    const sent = body(1, 2, 3);
    const answer = await bulk.bulk(sent, 2_000, new AbortController().signal);
    expect(answer && [...answer.statuses]).toEqual([201, 201, 201]);
    expect(server?.docs.size).toBe(3);
    // Moved (transferred), not copied: this thread's view of the body is detached.
    expect(sent.buffer.byteLength).toBe(0);
    // A body that shares its memory (a slice of Node's pool) is copied instead, and goes all the same.
    const pooled = Buffer.from('{"index":{"_index":"t"}}\n{"seq":4}\n');
    expect(pooled.byteLength).toBeLessThan(pooled.buffer.byteLength);
    const again = await bulk.bulk(pooled, 2_000, new AbortController().signal);
    expect(again && [...again.statuses]).toEqual([201]);
    expect(pooled.toString()).toContain('"seq":4');
    expect(server?.docs.size).toBe(4);
  });

  it('brings back failed items with their errors', async () => {
    const bulk = await start({ mode: { kind: 'fail-items', status: 429, predicate: (item) => item.position === 1 } });
    const answer = await bulk.bulk(body(1, 2), 2_000, new AbortController().signal);
    expect(answer && [...answer.statuses]).toEqual([201, 429]);
    expect(answer?.errors[1]).toMatchObject({ type: 'es_rejected_execution_exception' });
  });

  it("rejects with the client's error name and status when the request fails whole", async () => {
    const bulk = await start({ mode: { kind: 'status', status: 503 } });
    const error = await bulk.bulk(body(1), 2_000, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ResponseError', meta: { statusCode: 503 } });
    await server?.setMode('refuse');
    const refused = await bulk.bulk(body(2), 2_000, new AbortController().signal).catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'ConnectionError' });
  });

  it('an abort rejects at once and ends the request there; close() is idempotent and ends the thread', async () => {
    const before = threads();
    const bulk = await start({ mode: 'stall' });
    expect(threads()).toBe(before + 1);
    const controller = new AbortController();
    const pending = bulk.bulk(body(1), 60_000, controller.signal).catch((e: unknown) => e);
    await waitFor(() => (server?.counters.bulkRequests ?? 0) >= 1);
    controller.abort();
    expect(await pending).toMatchObject({ name: 'RequestAbortedError' });
    // The thread aborted its request: the server sees the connection go.
    await waitFor(() => (server?.counters.inFlight ?? 1) === 0);
    await Promise.all([bulk.close(), bulk.close()]);
    expect(threads()).toBe(before);
    const after = await bulk.bulk(body(2), 2_000, new AbortController().signal).catch((e: unknown) => e);
    expect(after).toMatchObject({ name: 'RequestAbortedError' });
  });

  it('a thread that dies fails its requests as a lost connection; the next request starts a new thread', async () => {
    transport = new WorkerTransport(
      clientSettings('http://127.0.0.1:9', undefined, 2_000),
      new URL('./fixtures/dying-worker.mjs', import.meta.url),
    );
    const first = await transport.bulk(body(1), 2_000, new AbortController().signal).catch((e: unknown) => e);
    expect(first).toMatchObject({ name: 'ConnectionError', message: expect.stringMatching(/exited \(code 3\)/) });
    const second = await transport.bulk(body(2), 2_000, new AbortController().signal);
    expect(second && [...second.statuses]).toEqual([201]);
  });

  it('client options that cannot cross threads are detected (the shipper keeps those on its own thread)', () => {
    expect(canCrossThreads(clientSettings('http://127.0.0.1:9200', { auth: { apiKey: 'k' } }, 1_000))).toBe(true);
    expect(canCrossThreads(clientSettings('http://127.0.0.1:9200', { generateRequestId: () => 'id' }, 1_000))).toBe(
      false,
    );
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('the shipper and its request thread', () => {
  it('clientOptions that cannot cross threads keep the client on the logging thread, and it ships', async () => {
    const { createElasticsearchShipper } = await import('../src/index.js');
    server = await startBulkServer();
    const before = threads();
    const requestIds: string[] = [];
    const shipper = createElasticsearchShipper({
      node: server.url,
      flushIntervalMs: 10,
      clientOptions: { generateRequestId: () => String(requestIds.push('called')) },
    });
    shipper.write('{"seq":1}\n');
    expect(await shipper.flush(5_000)).toBe(true);
    // No thread was started, and the function (which could not have crossed) was called here.
    expect(threads()).toBe(before);
    expect(requestIds.length).toBeGreaterThan(0);
    expect((await shipper.close(1_000)).shipped).toBe(1);
  });
});
