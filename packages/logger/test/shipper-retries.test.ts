import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { partial429Mode, startBulkServer } from '@heapwise/testkit';
import {
  createElasticsearchShipper,
  type DropEvent,
  type ElasticsearchShipper,
  type ElasticsearchShipperOptions,
} from '../src/index.js';
import { FAST, expectNoDuplicates, identityHolds, line, movableClock, waitUntil, watchAccounting } from './helpers.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function writeRecords(shipper: ElasticsearchShipper, from: number, count: number): void {
  for (let seq = from; seq < from + count; seq++) shipper.write(line(seq));
}

/**
 * A busy cluster (the first attempt of every 10th record answered 429, its retry accepted) and a
 * shipper writing to it with `options` on top of FAST; both closed after the test.
 */
async function busyCluster(options: ElasticsearchShipperOptions) {
  const busy = partial429Mode();
  const server = await startBulkServer({ mode: busy.mode });
  const shipper = createElasticsearchShipper({ node: server.url, ...FAST, ...options });
  cleanups.push(
    () => server.close(),
    () => shipper.close(1_000),
  );
  return { server, shipper, throttled: busy.throttled };
}

describe('item-level 429s (a busy cluster) are not an outage', () => {
  it('retries only the throttled items, each on its own delay, while fresh records keep flowing', async () => {
    const clock = movableClock();
    const errors: unknown[] = [];
    // Each throttled record waits 30 s of the shipper's clock (random 0 → half of 60 s): long
    // enough that anything shipped meanwhile was not held behind it.
    const { server, shipper, throttled } = await busyCluster({
      minBackoffMs: 60_000,
      maxBackoffMs: 60_000,
      random: () => 0,
      now: clock.now,
      onError: (error) => errors.push(error),
    });
    const watch = watchAccounting(shipper, 1_000);

    writeRecords(shipper, 0, 100);
    await waitUntil(
      () => shipper.stats().shipped === 90,
      10_000,
      () => shipper.stats(),
    );
    expect(throttled.size).toBe(10);
    expect(shipper.stats()).toMatchObject({ buffered: 10, retries: 10, failedRequests: 0 });

    // Fresh records go out now, ahead of the 10 waiting ones: no global backoff, no head-of-line wait.
    writeRecords(shipper, 100, 100);
    await waitUntil(
      () => shipper.stats().shipped === 180,
      10_000,
      () => shipper.stats(),
    );
    expect(throttled.size).toBe(20);
    // The server has seen each record once: none of the throttled ones was sent again yet.
    expect(server.counters.items).toBe(200);
    expect(shipper.stats()).toMatchObject({ buffered: 20, failedRequests: 0 });

    clock.advance(30_000);
    expect(await shipper.flush(10_000)).toBe(true);
    expect(shipper.stats()).toMatchObject({ produced: 200, shipped: 200, buffered: 0, retries: 20, failedRequests: 0 });
    expect(server.docs.size).toBe(200);
    expect(server.counters.items).toBe(220);
    expectNoDuplicates(server);
    expect(errors).toEqual([]);
    watch.stop();
  }, 30_000);

  it('a steady stream under the same pattern is delivered whole, once, the identity holding every turn', async () => {
    const { server, shipper, throttled } = await busyCluster({ maxBatchSize: 50 });
    const watch = watchAccounting(shipper, 32_000);
    // 20 waves of 100 records, one per event-loop turn that follows an answer.
    for (let wave = 0; wave < 20; wave++) {
      writeRecords(shipper, wave * 100, 100);
      await server.waitFor(() => server.counters.bulkRequests > wave);
    }
    expect(await shipper.flush(15_000)).toBe(true);
    const stats = shipper.stats();
    expect(stats).toMatchObject({ produced: 2_000, shipped: 2_000, buffered: 0, retries: 200, failedRequests: 0 });
    expect(throttled.size).toBe(200);
    expect(server.docs.size).toBe(2_000);
    expectNoDuplicates(server);
    watch.stop();
  }, 30_000);

  it('a request that gets nothing through (every item 429) backs off globally', async () => {
    const server = await startBulkServer({ mode: { kind: 'fail-items', status: 429 } });
    const clock = movableClock();
    const shipper = createElasticsearchShipper({
      node: server.url,
      ...FAST,
      minBackoffMs: 60_000,
      maxBackoffMs: 60_000,
      random: () => 0,
      now: clock.now,
    });
    cleanups.push(
      () => server.close(),
      () => shipper.close(500),
    );
    writeRecords(shipper, 0, 10);
    await waitUntil(() => shipper.stats().retries === 10, 10_000);
    // Fresh records wait too: nothing was accepted, so the cluster is taken to be full.
    await server.setMode('ok');
    writeRecords(shipper, 10, 100);
    expect(await shipper.flush(300)).toBe(false);
    expect(server.counters.bulkRequests).toBe(1);
    clock.advance(30_000);
    expect(await shipper.flush(10_000)).toBe(true);
    expect(shipper.stats()).toMatchObject({ shipped: 110, buffered: 0 });
    expectNoDuplicates(server);
  }, 20_000);
});

describe('fixes', () => {
  it('records whose index function throws are counted as rejected, given to onDrop, and the rest ships', async () => {
    const server = await startBulkServer();
    const drops: DropEvent[] = [];
    const errors: unknown[] = [];
    let failing = true;
    const shipper = createElasticsearchShipper({
      node: server.url,
      ...FAST,
      index: () => {
        if (failing) throw new Error('no index for you');
        return 'logs';
      },
      onDrop: (event) => drops.push(event),
      onError: (error) => errors.push(error),
    });
    cleanups.push(
      () => server.close(),
      () => shipper.close(1_000),
    );
    const watch = watchAccounting(shipper, 1_000);
    writeRecords(shipper, 0, 5);
    expect(await shipper.flush(5_000)).toBe(true);
    expect(shipper.stats()).toMatchObject({ produced: 5, shipped: 0, buffered: 0, dropped: { rejected: 5 } });
    expect(drops).toHaveLength(5);
    expect(drops[0]).toMatchObject({ reason: 'rejected', count: 1, error: 'Error: no index for you' });
    expect(drops[0]?.line).toBe(line(0));
    expect(errors.length).toBeGreaterThan(0);
    failing = false;
    writeRecords(shipper, 5, 5);
    expect(await shipper.flush(5_000)).toBe(true);
    expect(shipper.stats()).toMatchObject({ produced: 10, shipped: 5, buffered: 0, dropped: { rejected: 5 } });
    expect(server.docs.size).toBe(5);
    watch.stop();
  }, 20_000);

  /** A client whose `bulk()` answers only when the test says, whatever the abort signal says. */
  function lateClient() {
    const calls: { resolve: (value: unknown) => void; reject: (error: unknown) => void; body: string }[] = [];
    const client = {
      bulk: (params: { operations: unknown }) =>
        new Promise((resolve, reject) => calls.push({ resolve, reject, body: String(params.operations) })),
    } as unknown as Client;
    return { client, calls };
  }

  function itemsFor(body: string, status: number) {
    const actions = body.split('\n').filter((_, i) => i % 2 === 0 && _ !== '');
    return { errors: false, items: actions.map(() => ({ index: { status } })) };
  }

  it('close(): an answer that arrives after the deadline does not count its records twice', async () => {
    const { client, calls } = lateClient();
    const shipper = createElasticsearchShipper({ client, ...FAST, onError: () => {} });
    writeRecords(shipper, 0, 10);
    void shipper.flush(5_000);
    await waitUntil(() => calls.length === 1, 5_000);
    const closed = await shipper.close(50);
    expect(closed).toMatchObject({ produced: 10, shipped: 0, buffered: 0, dropped: { shutdown: 10 } });
    // Elasticsearch stored them after all: the records were already counted, once, as shutdown.
    calls[0]?.resolve(itemsFor(calls[0].body, 201));
    await new Promise((resolve) => setImmediate(resolve));
    expect(shipper.stats()).toEqual(closed);
    expect(identityHolds(shipper.stats())).toBe(true);
  });

  it('close(): a failure that arrives after the deadline leaves nothing buffered in the closed shipper', async () => {
    const { client, calls } = lateClient();
    const shipper = createElasticsearchShipper({ client, ...FAST, onError: () => {} });
    writeRecords(shipper, 0, 10);
    void shipper.flush(5_000);
    await waitUntil(() => calls.length === 1, 5_000);
    const closed = await shipper.close(50);
    calls[0]?.reject(Object.assign(new Error('socket hang up'), { name: 'ConnectionError' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(shipper.stats()).toEqual(closed);
    expect(shipper.stats()).toMatchObject({ buffered: 0, dropped: { shutdown: 10 }, failedRequests: 0 });
    // And the closed shipper starts nothing more.
    expect(calls).toHaveLength(1);
  });
});
