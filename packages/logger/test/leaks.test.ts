import { describe, expect, it } from 'vitest';
import { startBulkServer } from '@heapwise/testkit';
import {
  countLiveInstances,
  expectCollectable,
  expectNoOpenHandles,
  forceGc,
  measureHeapSlope,
} from '@heapwise/lifecycle/testing';
import { ElasticsearchShipper, createElasticsearchShipper, createLogger } from '../src/index.js';
import { FAST, identityHolds } from './helpers.js';

describe('create/close cycles leave nothing behind', () => {
  it('200 logger + shipper cycles (each ships over a real socket) leave no handle and no heap growth', async () => {
    const server = await startBulkServer({ storeSources: false });
    // The client module loads once per process, on the first shipper (under vitest's transform that
    // can take longer than a cycle's deadline); load it first so the cycles measure the shipper.
    await import('@elastic/elasticsearch');
    let shippedDocs = 0;
    try {
      const cycle = async (i: number): Promise<void> => {
        const shipper = createElasticsearchShipper({ node: server.url, ...FAST });
        const logger = createLogger({ destination: shipper });
        for (let seq = 0; seq < 5; seq++) logger.info({ cycle: i, seq }, 'cycle');
        const stats = await shipper.close(2_000);
        if (stats.shipped !== 5 || !identityHolds(stats) || server.docs.size !== 5) {
          throw new Error(`cycle ${i}: ${JSON.stringify(stats)}, ${server.docs.size} docs at the server`);
        }
        shippedDocs += server.docs.size;
        // The server shares this heap: forget its docs so only the shipper's growth is measured.
        server.reset();
      };
      // 100 warm-up cycles first: JIT code and the client's lazily built state settle by then.
      const slope = await expectNoOpenHandles(() =>
        measureHeapSlope(cycle, { warmup: 100, iterations: 200, samples: 5 }),
      );
      await forceGc();
      console.log(
        `leaks: 200 logger+shipper cycles: ${slope.bytesPerIteration.toFixed(0)} ± ${slope.stdError.toFixed(0)} ` +
          'bytes/cycle of heap after GC; ' +
          `${shippedDocs} docs shipped`,
      );
      expect(shippedDocs).toBe(300 * 5);
      // One closed shipper kept alive costs about 7 KB (measured by retaining them in an array);
      // an open one with its client and sockets far more. Noise here is a few hundred bytes.
      expect(slope.bytesPerIteration).toBeLessThan(3_072);
      const live = countLiveInstances(ElasticsearchShipper);
      if (live !== undefined) expect(live).toBe(0);
    } finally {
      await server.close();
    }
  }, 90_000);

  it('a closed shipper can be collected, even after the server went away mid-request', async () => {
    const server = await startBulkServer({ mode: 'stall' });
    try {
      await expectCollectable(
        () => {
          const shipper = createElasticsearchShipper({ node: server.url, ...FAST, onError: () => {} });
          shipper.write('{"a":1}\n');
          void shipper.flush(50).then(() => shipper.close(200));
          return shipper;
        },
        { count: 5, timeoutMs: 10_000 },
      );
    } finally {
      await server.close();
    }
  }, 30_000);

  it('200 loggers writing to stdout-like destinations are collectable (no listener or timer per logger)', async () => {
    await expectNoOpenHandles(async () => {
      await expectCollectable(
        () => {
          const logger = createLogger({ destination: { write: () => {} } });
          logger.child({ a: 1 }).info({ password: 'x' }, 'hello');
          return logger;
        },
        { count: 200, timeoutMs: 10_000 },
      );
    });
  }, 30_000);
});
