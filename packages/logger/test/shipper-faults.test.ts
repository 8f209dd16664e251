import { afterEach, describe, expect, it, vi } from 'vitest';
import { startBulkServer } from '@heapwise/testkit';
import {
  createElasticsearchShipper,
  createLogger,
  SHIPPER_DEFAULTS,
  type DropEvent,
  type ElasticsearchShipper,
  type ElasticsearchShipperOptions,
} from '../src/index.js';
import {
  FAST,
  expectNoDuplicates,
  identityHolds,
  line,
  movableClock,
  storedSequences,
  waitUntil,
  watchAccounting,
} from './helpers.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  serverOptions: Parameters<typeof startBulkServer>[0] = {},
  shipperOptions: ElasticsearchShipperOptions = {},
) {
  const server = await startBulkServer(serverOptions);
  const errors: unknown[] = [];
  const drops: DropEvent[] = [];
  const shipper = createElasticsearchShipper({
    node: server.url,
    ...FAST,
    onError: (error) => errors.push(error),
    onDrop: (event) => drops.push(event),
    ...shipperOptions,
  });
  const watch = watchAccounting(shipper, shipperOptions.maxBufferedItems ?? SHIPPER_DEFAULTS.maxBufferedItems);
  cleanups.push(() => server.close());
  cleanups.push(() => shipper.close(1_000));
  return { server, shipper, errors, drops, watch };
}

function writeRecords(shipper: ElasticsearchShipper, from: number, count: number): void {
  for (let seq = from; seq < from + count; seq++) shipper.write(line(seq));
}

describe('shipper fault matrix (real sockets, loopback _bulk server)', () => {
  it('server down from the start, then up: every record still buffered arrives, once', async () => {
    const { server, shipper, errors, watch } = await setup({ mode: 'refuse' }, { maxBufferedItems: 1_000 });
    writeRecords(shipper, 0, 1_500);
    // 1500 > maxBufferedItems (1000): the oldest were purged, 20 % at a time.
    const before = watch.check();
    expect(before.dropped.overflow).toBeGreaterThan(0);
    expect(before.buffered).toBeLessThanOrEqual(1_000);
    await waitUntil(
      () => shipper.stats().failedRequests >= 3,
      10_000,
      () => shipper.stats(),
    );
    expect(shipper.stats().shipped).toBe(0);
    const stillBuffered = shipper.stats().buffered;
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect((errors[0] as Error).name).toBe('ConnectionError');

    await server.setMode('ok');
    await waitUntil(
      () => shipper.stats().buffered === 0,
      15_000,
      () => shipper.stats(),
    );
    const after = shipper.stats();
    expect(after.shipped).toBe(stillBuffered);
    expect(server.docs.size).toBe(stillBuffered);
    // The survivors are the newest records: overflow drops the oldest.
    const { seqs } = storedSequences(server);
    expect(Math.max(...seqs)).toBe(1_499);
    expect(Math.min(...seqs)).toBe(1_500 - stillBuffered);
    expectNoDuplicates(server);
    expect(identityHolds(after)).toBe(true);
    watch.stop();
  }, 40_000);

  it('server down mid-stream (refused, then reset): resumes by itself, nothing lost or doubled', async () => {
    const { server, shipper, watch } = await setup();
    writeRecords(shipper, 0, 300);
    await waitUntil(
      () => shipper.stats().shipped === 300,
      10_000,
      () => shipper.stats(),
    );
    await server.setMode('refuse');
    writeRecords(shipper, 300, 300);
    await waitUntil(
      () => shipper.stats().failedRequests >= 2,
      10_000,
      () => shipper.stats(),
    );
    await server.setMode('reset');
    writeRecords(shipper, 600, 100);
    await waitUntil(
      () => shipper.stats().failedRequests >= 4,
      10_000,
      () => shipper.stats(),
    );
    await server.setMode('ok');
    await waitUntil(
      () => shipper.stats().shipped === 700,
      15_000,
      () => shipper.stats(),
    );
    expect(server.docs.size).toBe(700);
    expect(storedSequences(server).unique).toBe(700);
    expectNoDuplicates(server);
    watch.stop();
  }, 40_000);

  it('hung server: requests time out, records stay buffered, and ship once it answers again', async () => {
    const { server, shipper, errors, watch } = await setup({ mode: 'stall' }, { requestTimeoutMs: 200 });
    writeRecords(shipper, 0, 150);
    await waitUntil(
      () => shipper.stats().failedRequests >= 2,
      10_000,
      () => shipper.stats(),
    );
    expect(errors.some((error) => (error as Error).name === 'TimeoutError')).toBe(true);
    expect(shipper.stats()).toMatchObject({ shipped: 0, buffered: 150 });
    await server.setMode('ok');
    await waitUntil(
      () => shipper.stats().shipped === 150,
      15_000,
      () => shipper.stats(),
    );
    expect(server.docs.size).toBe(150);
    expectNoDuplicates(server);
    watch.stop();
  }, 40_000);

  it('429 storm (whole requests, then half the items): retried with backoff, accepted items not re-sent', async () => {
    const { server, shipper, watch } = await setup({ mode: { kind: 'status', status: 429 } });
    writeRecords(shipper, 0, 400);
    await waitUntil(
      () => shipper.stats().failedRequests >= 3,
      10_000,
      () => shipper.stats(),
    );
    await server.setMode({ kind: 'fail-items', status: 429, fraction: 0.5 });
    await waitUntil(
      () => server.counters.accepted >= 100,
      10_000,
      () => server.counters,
    );
    await server.setMode({ kind: 'fail-items', status: 503, fraction: 0.3 });
    await waitUntil(
      () => server.counters.accepted >= 250,
      10_000,
      () => server.counters,
    );
    await server.setMode('ok');
    await waitUntil(
      () => shipper.stats().shipped === 400,
      15_000,
      () => shipper.stats(),
    );
    const stats = shipper.stats();
    expect(stats.retries).toBeGreaterThan(0);
    expect(stats.dropped.rejected).toBe(0);
    expect(server.docs.size).toBe(400);
    // Each item the server accepted was accepted exactly once.
    expect(server.counters.accepted).toBe(400);
    expectNoDuplicates(server);
    watch.stop();
  }, 40_000);

  it('permanent 400 items are counted as rejected, given to onDrop, and never re-sent', async () => {
    const { server, shipper, drops, watch } = await setup({
      mode: { kind: 'fail-items', status: 400, predicate: (item) => item.source.includes('"bad":true') },
    });
    for (let seq = 0; seq < 200; seq++) shipper.write(line(seq, seq % 10 === 0 ? ',"bad":true' : ''));
    await waitUntil(
      () => shipper.stats().buffered === 0,
      10_000,
      () => shipper.stats(),
    );
    const stats = shipper.stats();
    expect(stats).toMatchObject({ produced: 200, shipped: 180, retries: 0 });
    expect(stats.dropped.rejected).toBe(20);
    const rejected = drops.filter((event) => event.reason === 'rejected');
    expect(rejected).toHaveLength(20);
    expect(rejected[0]).toMatchObject({ count: 1, status: 400, error: { type: 'document_parsing_exception' } });
    expect(rejected[0]?.line).toContain('"bad":true');
    // 200 items reached the server, each once.
    expect(server.counters.items).toBe(200);
    expectNoDuplicates(server);
    watch.stop();
  }, 30_000);

  it('413: halves the batch until requests fit, and drops a single record that never fits as too_large', async () => {
    const { server, shipper, drops, watch } = await setup({ maxRequestBytes: 4_000 });
    const padding = ',"pad":"' + 'p'.repeat(150) + '"';
    for (let seq = 0; seq < 300; seq++) shipper.write(line(seq, padding));
    shipper.write(line(300, ',"pad":"' + 'q'.repeat(5_000) + '"'));
    await waitUntil(
      () => shipper.stats().buffered === 0,
      15_000,
      () => shipper.stats(),
    );
    const stats = shipper.stats();
    expect(stats.failedRequests).toBeGreaterThan(0);
    expect(stats).toMatchObject({ produced: 301, shipped: 300 });
    expect(stats.dropped.too_large).toBe(1);
    expect(drops.find((event) => event.reason === 'too_large')).toMatchObject({ status: 413 });
    expect(server.docs.size).toBe(300);
    for (const request of server.requests) if (request.status === 200) expect(request.bytes).toBeLessThanOrEqual(4_000);
    expectNoDuplicates(server);

    // A server that answers 413 to everything: every record ends as too_large, none stays stuck.
    await server.setMode('too-large');
    writeRecords(shipper, 1_000, 40);
    await waitUntil(
      () => shipper.stats().buffered === 0,
      15_000,
      () => shipper.stats(),
    );
    expect(shipper.stats().dropped.too_large).toBe(41);
    watch.stop();
  }, 40_000);

  it('garbage answers count as failed requests and are retried; nothing is lost', async () => {
    const { server, shipper, errors, watch } = await setup({ mode: 'garbage' });
    writeRecords(shipper, 0, 120);
    await waitUntil(
      () => shipper.stats().failedRequests >= 3,
      10_000,
      () => shipper.stats(),
    );
    expect(errors.some((error) => (error as Error).name === 'DeserializationError')).toBe(true);
    expect(shipper.stats().shipped).toBe(0);
    await server.setMode('ok');
    await waitUntil(
      () => shipper.stats().shipped === 120,
      15_000,
      () => shipper.stats(),
    );
    expect(server.docs.size).toBe(120);
    expectNoDuplicates(server);
    watch.stop();
  }, 30_000);

  it('records older than maxAgeMs are dropped as expired when processed', async () => {
    const clock = movableClock();
    const { server, shipper, watch } = await setup({ mode: 'refuse' }, { maxAgeMs: 60_000, now: clock.now });
    writeRecords(shipper, 0, 30);
    await waitUntil(
      () => shipper.stats().failedRequests >= 1,
      10_000,
      () => shipper.stats(),
    );
    // An hour passes for the shipper (and its backoff with it); the server comes back.
    clock.advance(3_600_000);
    await server.setMode('ok');
    writeRecords(shipper, 30, 10);
    expect(await shipper.flush(10_000)).toBe(true);
    expect(shipper.stats().dropped.expired).toBe(30);
    expect(shipper.stats().shipped).toBe(10);
    expect(storedSequences(server).seqs.sort((a, b) => a - b)).toEqual([30, 31, 32, 33, 34, 35, 36, 37, 38, 39]);
    watch.stop();
  }, 20_000);

  it('batches hold ≤ maxBatchSize records and maxBatchBytes; ≤ maxConcurrentRequests are in flight', async () => {
    const server = await startBulkServer({ mode: { kind: 'ok', delayMs: 30 } });
    cleanups.push(() => server.close());
    const { Client } = await import('@elastic/elasticsearch');
    const real = new Client({ node: server.url, maxRetries: 0 });
    cleanups.push(() => real.close());
    let inFlight = 0;
    let maxInFlight = 0;
    // A client wrapper that counts concurrent _bulk calls.
    const counting = {
      bulk: async (...args: Parameters<typeof real.bulk>) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await real.bulk(...args);
        } finally {
          inFlight--;
        }
      },
    } as unknown as InstanceType<typeof Client>;
    const shipper = createElasticsearchShipper({ client: counting, ...FAST, maxBatchSize: 25, maxBatchBytes: 1_200 });
    cleanups.push(() => shipper.close(1_000));
    const watch = watchAccounting(shipper, 1_000);
    writeRecords(shipper, 0, 500);
    // Several flush() calls while timer-started requests run: still at most 3 (FAST) at once.
    const flushes = await Promise.all([shipper.flush(10_000), shipper.flush(10_000), shipper.flush(10_000)]);
    expect(flushes).toEqual([true, true, true]);
    expect(maxInFlight).toBe(3);
    expect(server.counters.maxInFlight).toBe(3);
    expect(server.docs.size).toBe(500);
    for (const request of server.requests) {
      expect(request.items).toBeLessThanOrEqual(25);
      // 1200 bytes of records plus their action lines
      expect(request.bytes).toBeLessThanOrEqual(1_200 + request.items * 80);
    }
    expectNoDuplicates(server);
    watch.stop();
  }, 30_000);

  it('close() right after logging delivers everything within the deadline', async () => {
    const server = await startBulkServer();
    cleanups.push(() => server.close());
    const shipper = createElasticsearchShipper({ node: server.url });
    const logger = createLogger({ destination: shipper });
    // 1000 = maxBufferedItems: a burst within the cap, logged in one tick (nothing shipped yet).
    for (let seq = 0; seq < 1_000; seq++) logger.info({ seq }, 'about to exit');
    expect(shipper.stats()).toMatchObject({ produced: 1_000, buffered: 1_000, shipped: 0 });
    const stats = await shipper.close(3_000);
    // Within the deadline: at the deadline close() counts what is left as shutdown instead.
    expect(stats).toMatchObject({ produced: 1_000, shipped: 1_000, buffered: 0 });
    expect(stats.dropped.overflow).toBe(0);
    expect(stats.dropped.shutdown).toBe(0);
    expect(server.docs.size).toBe(1_000);
    expectNoDuplicates(server);
  }, 20_000);

  it('close() with the server hung keeps its deadline, drops the rest as shutdown, and is idempotent', async () => {
    const { server, shipper, errors, watch } = await setup(
      { mode: 'stall' },
      { requestTimeoutMs: 10_000, maxBatchSize: 25 },
    );
    writeRecords(shipper, 0, 50);
    // Both requests (batches of 25) hang at the server.
    await server.waitFor(() => server.counters.inFlight === 2);
    const [first, second] = await Promise.all([shipper.close(400), shipper.close(5_000)]);
    // Ended by its own deadline, not by the requests' timeout (which would have reported errors) nor
    // by the second call's longer one (it returns the first call's result).
    expect(errors).toEqual([]);
    expect(first).toEqual(second);
    expect(first.dropped.shutdown).toBe(50);
    expect(first.buffered).toBe(0);
    // Writes after close are counted, never thrown.
    expect(shipper.write(line(99))).toBe(true);
    expect(shipper.stats().dropped.shutdown).toBe(51);
    watch.stop();
  }, 20_000);

  it('a record above maxRecordBytes is dropped as too_large at write; a 10 MB string never enters', async () => {
    const { shipper, drops, watch } = await setup({}, { maxRecordBytes: 1_000 });
    shipper.write(`{"big":"${'x'.repeat(10 * 1024 * 1024)}"}\n`);
    shipper.write(line(1));
    const stats = shipper.stats();
    expect(stats.dropped.too_large).toBe(1);
    expect(stats.buffered).toBe(1);
    expect(stats.bufferedBytes).toBeLessThan(1_000);
    expect(drops[0]).toMatchObject({ reason: 'too_large', count: 1 });
    expect(drops[0]?.line?.length).toBeLessThanOrEqual(1_024);
    watch.stop();
  });

  it('errors reach an error listener; without any listener nothing crashes and one warning says so', async () => {
    const server = await startBulkServer({ mode: 'refuse' });
    cleanups.push(() => server.close());
    // Caught here rather than printed into the test run's output.
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    cleanups.push(() => Promise.resolve(warnings.mockRestore()));
    const heard: unknown[] = [];
    const listened = createElasticsearchShipper({ node: server.url, ...FAST });
    listened.on('error', (error) => heard.push(error));
    const silent = createElasticsearchShipper({ node: server.url, ...FAST });
    cleanups.push(() => listened.close(500));
    cleanups.push(() => silent.close(500));
    listened.write(line(1));
    silent.write(line(1));
    await waitUntil(() => listened.stats().failedRequests >= 2 && silent.stats().failedRequests >= 2, 10_000);
    expect(heard.length).toBeGreaterThanOrEqual(2);
    expect(silent.stats().buffered).toBe(1);
    // Once per shipper that nobody listens to, however many errors: the listened one says nothing.
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(String(warnings.mock.calls[0]?.[0])).toMatch(/^elasticsearch shipper: ConnectionError/);
  }, 20_000);
});

describe('shipper limits, one by one', () => {
  it('overflow drops exactly the oldest purgeRatio of the cap, and onDrop sees consistent stats', async () => {
    const seen: { count: number; consistent: boolean }[] = [];
    const server = await startBulkServer({ mode: 'refuse' });
    const shipper: ElasticsearchShipper = createElasticsearchShipper({
      node: server.url,
      ...FAST,
      maxBufferedItems: 100,
      purgeRatio: 0.2,
      onError: () => {},
      onDrop: (event) => seen.push({ count: event.count, consistent: identityHolds(shipper.stats()) }),
    });
    try {
      writeRecords(shipper, 0, 100);
      expect(shipper.stats()).toMatchObject({ buffered: 100, dropped: { overflow: 0 } });
      shipper.write(line(100));
      // 101 > 100: down to 80, the 21 oldest go.
      expect(shipper.stats()).toMatchObject({ produced: 101, buffered: 80, dropped: { overflow: 21 } });
      expect(seen).toEqual([{ count: 21, consistent: true }]);
      await server.setMode('ok');
      expect(await shipper.flush(10_000)).toBe(true);
      expect(storedSequences(server).seqs.sort((a, b) => a - b)[0]).toBe(21);
    } finally {
      await shipper.close(1_000);
      await server.close();
    }
  }, 20_000);

  it('the byte cap holds on its own: big records purge the oldest even under the item cap', async () => {
    const server = await startBulkServer({ mode: 'refuse' });
    const shipper = createElasticsearchShipper({
      node: server.url,
      ...FAST,
      maxBufferedItems: 1_000,
      maxBufferedBytes: 10_000,
      onError: () => {},
    });
    try {
      const padding = ',"pad":"' + 'b'.repeat(950) + '"';
      for (let seq = 0; seq < 50; seq++) shipper.write(line(seq, padding));
      const stats = shipper.stats();
      expect(stats.bufferedBytes).toBeLessThanOrEqual(10_000);
      expect(stats.buffered).toBeLessThan(11);
      expect(stats.dropped.overflow).toBe(50 - stats.buffered);
      expect(identityHolds(stats)).toBe(true);
    } finally {
      await shipper.close(500);
      await server.close();
    }
  }, 20_000);

  it('a full batch goes at once; a partial one waits flushIntervalMs', async () => {
    const clock = movableClock(true);
    const server = await startBulkServer();
    const shipper = createElasticsearchShipper({
      node: server.url,
      ...FAST,
      maxBatchSize: 10,
      flushIntervalMs: 50,
      now: clock.now,
    });
    try {
      // The 10th record fills a batch: it goes at once; the 5 after it wait for the shipper's clock.
      writeRecords(shipper, 0, 15);
      await waitUntil(
        () => shipper.stats().shipped === 10,
        10_000,
        () => shipper.stats(),
      );
      // Had the partial batch gone with the answer, it would be in flight or shipped by now.
      expect(shipper.stats()).toMatchObject({ shipped: 10, buffered: 5 });
      expect(server.counters.bulkRequests).toBe(1);
      clock.advance(50);
      await waitUntil(
        () => shipper.stats().shipped === 15,
        10_000,
        () => shipper.stats(),
      );
      expect(server.counters.bulkRequests).toBe(2);
    } finally {
      await shipper.close(1_000);
      await server.close();
    }
  }, 20_000);

  it('rejects invalid limits at construction', () => {
    expect(() => createElasticsearchShipper({ node: 'http://127.0.0.1:9', maxBufferedItems: 0 })).toThrow(
      /maxBufferedItems/,
    );
    expect(() => createElasticsearchShipper({ node: 'http://127.0.0.1:9', purgeRatio: 1.5 })).toThrow(/purgeRatio/);
    expect(() => createElasticsearchShipper({})).toThrow(/node/);
  });
});

describe('shipper input', () => {
  it('a chunk of several lines is several records; bytes and blank lines handled; shipped byte for byte', async () => {
    const server = await startBulkServer();
    const shipper = createElasticsearchShipper({ node: server.url, ...FAST });
    try {
      shipper.write(`${line(0).trimEnd()}\n${line(1)}\n\n${line(2).trimEnd()}`);
      shipper.write(Buffer.from(line(3)));
      shipper.write(new TextEncoder().encode('{"seq":4,"text":"héllo ✓"}\n'));
      shipper.write('');
      expect(shipper.stats()).toMatchObject({ produced: 5, buffered: 5 });
      expect(await shipper.flush(5_000)).toBe(true);
      expect(storedSequences(server).seqs.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
      expect(server.sources()).toContain('{"seq":4,"text":"héllo ✓"}');
      expect(server.sources()).toContain(line(1).trimEnd());
    } finally {
      await shipper.close(1_000);
      await server.close();
    }
  }, 20_000);
});

describe('flush deadline', () => {
  it('flush(deadlineMs) returns by its deadline even while a timer pass waits on a hung server', async () => {
    const server = await startBulkServer({ mode: 'stall' });
    const errors: unknown[] = [];
    const shipper = createElasticsearchShipper({
      node: server.url,
      ...FAST,
      requestTimeoutMs: 5_000,
      onError: (error) => errors.push(error),
    });
    try {
      writeRecords(shipper, 0, 10);
      // Let the timer pass start its (hung) request.
      await waitUntil(() => server.counters.bulkRequests === 1, 5_000);
      expect(await shipper.flush(300)).toBe(false);
      // By its own deadline: the hung request has not timed out yet (that would be reported).
      expect(errors).toEqual([]);
      expect(shipper.stats()).toMatchObject({ produced: 10, buffered: 10 });
    } finally {
      await shipper.close(200);
      await server.close();
    }
  }, 20_000);
});

describe('backoff', () => {
  it('backoff doubles up to maxBackoffMs and no further: a long outage keeps probing at the cap', async () => {
    const server = await startBulkServer({ mode: 'refuse' });
    // Uncapped, 25 consecutive failures from 10 ms would take 10 ms × 2^24 (two days); capped at
    // 40 ms they take about a second. Reaching 25 at all is the proof.
    const shipper = createElasticsearchShipper({
      node: server.url,
      ...FAST,
      minBackoffMs: 10,
      maxBackoffMs: 40,
      random: () => 0.5,
      onError: () => {},
    });
    try {
      shipper.write(line(0));
      await waitUntil(
        () => shipper.stats().failedRequests >= 25,
        15_000,
        () => shipper.stats(),
      );
      await server.setMode('ok');
      await waitUntil(
        () => shipper.stats().shipped === 1,
        5_000,
        () => shipper.stats(),
      );
    } finally {
      await shipper.close(500);
      await server.close();
    }
  }, 20_000);
});

describe('lost answers (stored, then the connection reset)', () => {
  async function run(options: ElasticsearchShipperOptions) {
    const server = await startBulkServer({ mode: 'lost-response' });
    const shipper = createElasticsearchShipper({ node: server.url, ...FAST, onError: () => {}, ...options });
    cleanups.push(() => server.close());
    cleanups.push(() => shipper.close(1_000));
    const watch = watchAccounting(shipper, 1_000);
    writeRecords(shipper, 0, 50);
    await waitUntil(
      () => server.counters.bulkRequests >= 1 && shipper.stats().failedRequests >= 1,
      10_000,
      () => shipper.stats(),
    );
    await server.setMode('ok');
    await waitUntil(
      () => shipper.stats().buffered === 0,
      10_000,
      () => shipper.stats(),
    );
    watch.stop();
    return { server, stats: shipper.stats() };
  }

  it("op 'create' with assigned ids: the re-send answers 409 and counts as shipped; one document each", async () => {
    const { server, stats } = await run({ op: 'create' });
    expect(stats).toMatchObject({ produced: 50, shipped: 50 });
    expect(stats.dropped.rejected).toBe(0);
    expect(server.counters.conflicts).toBeGreaterThan(0);
    expect(server.docs.size).toBe(50);
    expectNoDuplicates(server);
  }, 20_000);

  it("with op 'index' and assigned ids, the re-send overwrites: still one document per record", async () => {
    const { server, stats } = await run({ op: 'index' });
    expect(stats).toMatchObject({ produced: 50, shipped: 50 });
    expect(server.docs.size).toBe(50);
    // Delivered twice under the same _id: Elasticsearch keeps one document (version 2).
    expect(server.counters.duplicates).toBeGreaterThan(0);
    expect(storedSequences(server).unique).toBe(50);
  }, 20_000);

  it('without assigned ids, a lost answer means a second document: why assignIds is the default', async () => {
    const { server, stats } = await run({ assignIds: false });
    expect(stats.shipped).toBe(50);
    expect(server.docs.size).toBeGreaterThan(50);
  }, 20_000);
});
