import { describe, expect, it } from 'vitest';
import { startBulkServer } from '@heapwise/testkit';
import { forceGc } from '@heapwise/lifecycle/testing';
import { createElasticsearchShipper, createLogger } from '../src/index.js';
import { FAST, expectNoDuplicates, identityHolds, waitUntil, watchAccounting } from './helpers.js';

const MB = 1024 * 1024;

/**
 * Heap used plus ArrayBuffer memory, after GC: held lines live in Buffers outside the heap (see
 * line-store.ts), so the heap alone would miss them.
 */
async function memoryAfterGc(): Promise<number> {
  await forceGc();
  await forceGc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

describe('shipper memory stays bounded while Elasticsearch is down', () => {
  it('each held record costs its UTF-8 bytes plus a small fixed overhead (measured, bounded)', async () => {
    const shipper = createElasticsearchShipper({
      node: 'http://127.0.0.1:9',
      maxBufferedItems: 1_000_000,
      maxBufferedBytes: 1024 * MB,
      // No batch fills up, so no request holds a body while memory is measured: this is the cost of
      // held records alone (a request's body is counted apart, in the README's arithmetic).
      maxBatchSize: 1_000_000,
      maxBatchBytes: 1024 * MB,
      flushIntervalMs: 600_000,
      onError: () => {},
    });
    const logger = createLogger({ destination: shipper });
    const payload = 'p'.repeat(200);
    try {
      const before = await memoryAfterGc();
      for (let seq = 0; seq < 20_000; seq++) logger.info({ seq, payload }, 'held');
      const after = await memoryAfterGc();
      const stats = shipper.stats();
      expect(stats).toMatchObject({ buffered: 20_000, failedRequests: 0 });
      const overheadPerRecord = (after - before - stats.bufferedBytes) / stats.buffered;
      console.log(
        `memory: held record overhead beyond its UTF-8 bytes: ${overheadPerRecord.toFixed(0)} bytes/record ` +
          `(20k records of ${Math.round(stats.bufferedBytes / stats.buffered)} bytes)`,
      );
      expect(overheadPerRecord).toBeLessThan(512);
    } finally {
      await shipper.close(10);
    }
  }, 30_000);

  it('200k records, server refusing: heap + Buffers after GC stay under the byte cap + a fixed allowance', async () => {
    const maxBufferedBytes = 4 * MB;
    // Per-record overhead (the record object, its queue slot, slab tails) is outside the byte cap;
    // with ~14k records held this allowance covers it several times over.
    const allowanceBytes = 8 * MB;
    const server = await startBulkServer({ mode: 'refuse', storeSources: false });
    const shipper = createElasticsearchShipper({
      node: server.url,
      ...FAST,
      maxBufferedItems: 1_000_000,
      maxBufferedBytes,
      onError: () => {},
    });
    const logger = createLogger({ destination: shipper });
    const watch = watchAccounting(shipper, 1_000_000);
    const payload = 'p'.repeat(200);
    try {
      // The Elasticsearch client is loaded and built when the first request needs it: let that
      // happen before the baseline, so the growth below is the buffer's alone.
      logger.info({ seq: -1, payload }, 'first');
      await waitUntil(() => shipper.stats().failedRequests >= 1, 10_000);
      const baseline = await memoryAfterGc();
      let peakAfterGc = 0;
      for (let round = 0; round < 10; round++) {
        for (let i = 0; i < 20_000; i++) logger.info({ seq: round * 20_000 + i, payload }, 'server is down');
        // Let requests run (and fail) between rounds, as they would in a live process.
        const failedBefore = shipper.stats().failedRequests;
        await waitUntil(() => shipper.stats().failedRequests > failedBefore, 10_000);
        const stats = watch.check();
        expect(stats.bufferedBytes).toBeLessThanOrEqual(maxBufferedBytes);
        peakAfterGc = Math.max(peakAfterGc, (await memoryAfterGc()) - baseline);
      }
      const stats = shipper.stats();
      expect(stats.produced).toBe(200_001);
      expect(stats.dropped.overflow).toBeGreaterThan(150_000);
      expect(identityHolds(stats)).toBe(true);
      expect(peakAfterGc).toBeLessThan(maxBufferedBytes + allowanceBytes);

      // And it recovers: what is still buffered arrives once the server is back.
      const buffered = stats.buffered;
      await server.setMode('ok');
      await waitUntil(
        () => shipper.stats().buffered === 0,
        30_000,
        () => shipper.stats(),
      );
      expect(server.docs.size).toBe(buffered);
      expectNoDuplicates(server);
      console.log(
        `memory: 200k records, server down: heap + buffers after GC +${(peakAfterGc / MB).toFixed(1)} MB at peak ` +
          `(cap ${maxBufferedBytes / MB} MB + ${allowanceBytes / MB} MB allowance); ` +
          `${buffered} records held, all delivered after recovery`,
      );
      watch.stop();
    } finally {
      await shipper.close(1_000);
      await server.close();
    }
  }, 60_000);
});
