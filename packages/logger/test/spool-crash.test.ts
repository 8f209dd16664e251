import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startBulkServer } from '@heapwise/testkit';
import { createElasticsearchShipper } from '../src/index.js';
import { decodeSegment } from '../src/shipper/spool/segment-format.js';
import { FAST, expectNoDuplicates, waitUntil, watchAccounting } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Sequence numbers of the records fully on disk (what a completed sync wrote). */
function syncedSeqs(dir: string): Set<number> {
  const seqs = new Set<number>();
  for (const name of readdirSync(dir).filter((n) => n.startsWith('segment-'))) {
    try {
      for (const record of decodeSegment(readFileSync(join(dir, name))).records) {
        seqs.add((JSON.parse(record.line) as { seq: number }).seq);
      }
    } catch {
      // a segment deleted while listing
    }
  }
  return seqs;
}

/** A small seeded generator (mulberry32): the kill points are random but reproducible. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYNC_INTERVAL_MS = 50;

/** Nothing left to ship: not in memory, not waiting on disk. */
function drained(shipper: ReturnType<typeof createElasticsearchShipper>): boolean {
  const stats = shipper.stats();
  return stats.buffered === 0 && stats.spooled === 0 && stats.recovered > 0;
}

describe('disk spool across a crash (real processes, SIGKILL)', () => {
  it.each([1, 2, 3])(
    'seed %i: a child logging with Elasticsearch down is SIGKILLed; the next process delivers every synced record once',
    async (seed) => {
      const random = seeded(seed);
      const dir = mkdtempSync(join(tmpdir(), 'heapwise-spool-crash-'));
      dirs.push(dir);
      const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
      // Nothing listens on port 9 of loopback: every request is refused.
      const code = `
        import { createElasticsearchShipper } from ${JSON.stringify(entry)};
        const shipper = createElasticsearchShipper({ node: 'http://127.0.0.1:9', minBackoffMs: 50, maxBackoffMs: 200,
          maxBufferedItems: 100000, spool: { dir: ${JSON.stringify(dir)}, syncIntervalMs: ${SYNC_INTERVAL_MS} } });
        shipper.on('error', () => {});
        let seq = 0;
        setInterval(() => {
          for (let i = 0; i < 50; i++) shipper.write(JSON.stringify({ seq: seq++, msg: 'before the crash' }) + '\\n');
        }, 5);
        console.log('started');`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (status) => reject(new Error(`child exited early (${status})`)));
      });
      // Kill after at least one sync interval, at a seeded random point.
      let seen = new Set<number>();
      const polls = 3 + Math.floor(random() * 10);
      for (let i = 0; i < polls || seen.size === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, SYNC_INTERVAL_MS / 2 + random() * SYNC_INTERVAL_MS));
        seen = syncedSeqs(dir);
      }
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      expect(seen.size).toBeGreaterThan(0);

      const server = await startBulkServer();
      // A small memory cap, so the recovered records go through memory in many read-back steps.
      const maxBufferedItems = 2_000;
      const shipper = createElasticsearchShipper({ node: server.url, ...FAST, maxBufferedItems, spool: { dir } });
      // The identity, produced + recovered = shipped + buffered + spooled + dropped, on every turn.
      const accounting = watchAccounting(shipper, maxBufferedItems);
      try {
        await waitUntil(
          () => shipper.stats().shipped >= seen.size && drained(shipper),
          30_000,
          () => shipper.stats(),
        );
        accounting.stop();
        const stats = shipper.stats();
        expect(stats.spool?.failure).toBeUndefined();
        expect(stats.spooled).toBe(0);
        expect(stats.produced).toBe(0);
        // Everything found is shipped, except a torn last frame (the kill cut a write): dropped.corrupt.
        expect(stats.recovered - stats.shipped).toBe(stats.dropped.corrupt);
        expect(stats.dropped.corrupt).toBeLessThanOrEqual(1);
        const delivered = new Set(server.sources().map((source) => (JSON.parse(source) as { seq: number }).seq));
        for (const seq of seen) expect(delivered.has(seq)).toBe(true);
        expect(delivered.size).toBe(stats.shipped);
        expectNoDuplicates(server);
        // Every record it delivered had been acknowledged on disk: the segments are gone.
        expect(readdirSync(dir).filter((name) => name.startsWith('segment-'))).toEqual([]);
      } finally {
        await shipper.close(1_000);
        await server.close();
      }
    },
    60_000,
  );
});
