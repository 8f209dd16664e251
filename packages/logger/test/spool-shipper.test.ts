import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { dirBytes, startBulkServer } from '@heapwise/testkit';
import { createElasticsearchShipper, type ShipperStats } from '../src/index.js';
import { decodeSegment } from '../src/shipper/spool/segment-format.js';
import {
  FAST,
  expectNoDuplicates,
  identityHolds,
  line,
  movableClock,
  waitUntil,
  watchAccounting,
  writesFailingWith,
} from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'heapwise-spool-shipper-'));
  dirs.push(dir);
  return dir;
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith('segment-'));
}

/** The `_id` of each record written in the directory's segments, by its `seq`. */
function idsOnDisk(dir: string): Map<number, string> {
  const ids = new Map<number, string>();
  for (const name of segmentFiles(dir)) {
    for (const stored of decodeSegment(readFileSync(join(dir, name))).records) {
      ids.set((JSON.parse(stored.line) as { seq: number }).seq, stored.id);
    }
  }
  return ids;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Nothing left to ship: not in memory, not waiting on disk. */
function drained(stats: ShipperStats): boolean {
  return stats.buffered === 0 && stats.spooled === 0;
}

const ENTRY = fileURLToPath(new URL('../src/index.ts', import.meta.url));

/**
 * Runs an ES module as a real child process; resolves with its stdout. `obeyPermissions`: as root, the
 * child runs without the capabilities that let root ignore file permissions (setpriv drops them from
 * its bounding set), so a directory without write permission refuses it as it refuses any user. It
 * stays root, so it still reads this checkout wherever it lies (a clone under a 0700 temp dir too).
 */
function runChild(code: string, options: { obeyPermissions?: boolean } = {}): Promise<string> {
  const node = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', code];
  const asRoot = options.obeyPermissions === true && process.getuid?.() === 0;
  const [file, ...args] = asRoot
    ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--', ...node]
    : node;
  return new Promise<string>((resolve, reject) =>
    execFile(file, args, { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

describe('disk spool through the shipper', () => {
  it('an outage longer than memory holds: records wait on disk (spooled, not dropped), then ship once', async () => {
    const server = await startBulkServer({ mode: 'refuse' });
    const dir = tempDir();
    const maxBufferedItems = 500;
    const shipper = createElasticsearchShipper({
      node: server.url,
      ...FAST,
      maxBufferedItems,
      onError: () => {},
      spool: { dir, maxBytes: 4 * 1024 * 1024, syncIntervalMs: 20 },
    });
    const accounting = watchAccounting(shipper, maxBufferedItems);
    try {
      for (let seq = 0; seq < 5_000; seq++) {
        shipper.write(line(seq));
        if (seq % 100 === 99) await turn();
      }
      const during = accounting.check();
      expect(during.buffered).toBeLessThanOrEqual(maxBufferedItems);
      expect(during.spooled).toBeGreaterThanOrEqual(5_000 - maxBufferedItems);
      expect(during.buffered + during.spooled).toBe(5_000);
      // The `_id` each record was written to disk with, by seq: what it must be shipped with.
      let spooledIds = new Map<number, string>();
      await waitUntil(
        () => (spooledIds = idsOnDisk(dir)).size === 5_000,
        10_000,
        () => spooledIds.size,
      );
      expect(spooledIds.size).toBe(5_000);
      await server.setMode('ok');
      await waitUntil(
        () => drained(shipper.stats()),
        30_000,
        () => shipper.stats(),
      );
      const { samples } = accounting.stop();
      expect(samples).toBeGreaterThan(10);
      const stats = shipper.stats();
      expect(stats.shipped).toBe(5_000);
      expect(Object.values(stats.dropped).every((count) => count === 0)).toBe(true);
      expect(new Set(server.sources().map((s) => (JSON.parse(s) as { seq: number }).seq)).size).toBe(5_000);
      expectNoDuplicates(server);
      // Records kept in memory and records read back from disk alike went out under their spooled `_id`.
      for (const doc of server.docs.values()) {
        expect(doc.id).toBe(spooledIds.get((JSON.parse(doc.source) as { seq: number }).seq));
      }
      expect(segmentFiles(dir).length).toBeLessThanOrEqual(1);
    } finally {
      await shipper.close(1_000);
      await server.close();
    }
  }, 60_000);

  it.each(['drop_oldest', 'drop_newest'] as const)(
    'a 10-minute outage (%s, injected clock, 500 records/s): never above maxBytes on disk, every loss counted',
    async (whenFull) => {
      const server = await startBulkServer({ mode: 'refuse' });
      const dir = tempDir();
      const clock = movableClock();
      const maxBytes = 1024 * 1024;
      const maxBufferedItems = 2_000;
      const shipper = createElasticsearchShipper({
        node: server.url,
        ...FAST,
        maxBufferedItems,
        now: clock.now,
        onError: () => {},
        spool: { dir, maxBytes, syncIntervalMs: 20, whenFull },
      });
      const accounting = watchAccounting(shipper, maxBufferedItems);
      let seq = 0;
      let largestOnDisk = 0;
      try {
        // 600 simulated seconds at 500 records/s: 300k records of ~40 bytes, ~20 MB of frames into 1 MiB.
        for (let second = 0; second < 600; second++) {
          for (let i = 0; i < 500; i++) shipper.write(line(seq++));
          clock.advance(1_000);
          await turn();
          largestOnDisk = Math.max(largestOnDisk, dirBytes(dir));
          expect(shipper.stats().spooledBytes).toBeLessThanOrEqual(maxBytes);
        }
        expect(largestOnDisk).toBeGreaterThan(maxBytes * 0.7);
        expect(largestOnDisk).toBeLessThanOrEqual(maxBytes);
        const during = accounting.check();
        expect(during.produced).toBe(300_000);
        expect(during.dropped.overflow).toBeGreaterThan(250_000);
        expect(during.buffered).toBeLessThanOrEqual(maxBufferedItems);
        await server.setMode('ok');
        await waitUntil(
          () => drained(shipper.stats()),
          60_000,
          () => shipper.stats(),
        );
        accounting.stop();
        const stats = shipper.stats();
        // Everything not counted as overflow was delivered, once.
        expect(stats.shipped).toBe(300_000 - stats.dropped.overflow);
        expect(stats.dropped.overflow + stats.shipped).toBe(stats.produced);
        expectNoDuplicates(server);
        const delivered = server.sources().map((s) => (JSON.parse(s) as { seq: number }).seq);
        // drop_oldest keeps the newest records; drop_newest the oldest (plus what memory held).
        if (whenFull === 'drop_oldest') expect(delivered).toContain(299_999);
        else expect(delivered).toContain(2_000);
        expect(dirBytes(dir)).toBeLessThanOrEqual(maxBytes);
      } finally {
        await shipper.close(1_000);
        await server.close();
      }
    },
    120_000,
  );

  it('records held at close() stay on disk (spooled, not shutdown); the next shipper delivers them', async () => {
    const server = await startBulkServer({ mode: 'refuse' });
    const dir = tempDir();
    const first = createElasticsearchShipper({ node: server.url, ...FAST, onError: () => {}, spool: { dir } });
    for (let seq = 0; seq < 300; seq++) first.write(line(seq));
    const closed = await first.close(50);
    expect(closed).toMatchObject({ produced: 300, shipped: 0, buffered: 0, spooled: 300 });
    expect(closed.dropped.shutdown).toBe(0);
    expect(identityHolds(closed)).toBe(true);
    await server.setMode('ok');
    const second = createElasticsearchShipper({ node: server.url, ...FAST, spool: { dir } });
    const accounting = watchAccounting(second, 32_000);
    try {
      await waitUntil(
        () => second.stats().shipped === 300,
        20_000,
        () => second.stats(),
      );
      accounting.stop();
      expect(second.stats()).toMatchObject({ produced: 0, recovered: 300, shipped: 300, spooled: 0 });
      expectNoDuplicates(server);
    } finally {
      await second.close(1_000);
      await server.close();
    }
  }, 30_000);

  it('a flipped byte in a segment left by an earlier process: that record is corrupt, the rest ship', async () => {
    const server = await startBulkServer({ mode: 'refuse' });
    const dir = tempDir();
    const first = createElasticsearchShipper({ node: server.url, ...FAST, onError: () => {}, spool: { dir } });
    for (let seq = 0; seq < 100; seq++) first.write(line(seq));
    await first.close(20);
    const [segment] = segmentFiles(dir);
    const path = join(dir, segment);
    const bytes = readFileSync(path);
    // A byte inside the 51st frame's line (frames are lines).
    let frameStart = 0;
    for (let frame = 0; frame < 50; frame++) frameStart = bytes.indexOf(0x0a, frameStart) + 1;
    bytes[frameStart + 40] ^= 0x04;
    writeFileSync(path, bytes);
    await server.setMode('ok');
    const second = createElasticsearchShipper({ node: server.url, ...FAST, spool: { dir } });
    const accounting = watchAccounting(second, 32_000);
    try {
      await waitUntil(
        () => drained(second.stats()) && second.stats().shipped === 99,
        20_000,
        () => second.stats(),
      );
      accounting.stop();
      expect(second.stats()).toMatchObject({ recovered: 100, shipped: 99, spooled: 0 });
      expect(second.stats().dropped.corrupt).toBe(1);
      const delivered = new Set(server.sources().map((s) => (JSON.parse(s) as { seq: number }).seq));
      expect(delivered.has(50)).toBe(false);
      expect(delivered.size).toBe(99);
      expectNoDuplicates(server);
    } finally {
      await second.close(1_000);
      await server.close();
    }
  }, 30_000);

  it('overflow-only (writeAhead: false): only what memory cannot hold goes to disk; memory lost at close', async () => {
    const server = await startBulkServer({ mode: 'refuse' });
    const dir = tempDir();
    const maxBufferedItems = 200;
    const shipper = createElasticsearchShipper({
      node: server.url,
      ...FAST,
      maxBufferedItems,
      onError: () => {},
      spool: { dir, writeAhead: false },
    });
    const accounting = watchAccounting(shipper, maxBufferedItems);
    try {
      for (let seq = 0; seq < 150; seq++) shipper.write(line(seq));
      // Everything fits in memory: nothing is appended (the segment file is empty).
      expect(shipper.stats()).toMatchObject({ buffered: 150, spooled: 0 });
      expect(segmentFiles(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0)).toBe(0);
      for (let seq = 150; seq < 1_000; seq++) shipper.write(line(seq));
      expect(shipper.stats()).toMatchObject({ buffered: 200, spooled: 800 });
      await server.setMode('ok');
      await waitUntil(
        () => drained(shipper.stats()),
        30_000,
        () => shipper.stats(),
      );
      accounting.stop();
      expect(shipper.stats()).toMatchObject({ shipped: 1_000, buffered: 0, spooled: 0 });
      expectNoDuplicates(server);
      await server.setMode('refuse');
      for (let seq = 1_000; seq < 1_100; seq++) shipper.write(line(seq));
      const closed = await shipper.close(20);
      // Held in memory only: a close (or a crash) loses them.
      expect(closed).toMatchObject({ spooled: 0 });
      expect(closed.dropped.shutdown).toBe(100);
      expect(identityHolds(closed)).toBe(true);
    } finally {
      await shipper.close(1_000);
      await server.close();
    }
  }, 60_000);

  it.each(['ENOSPC', 'EIO'])(
    '%s while records wait on disk: the shipper goes on memory-only, the unwritten records counted as disk_error',
    async (code) => {
      const server = await startBulkServer({ mode: 'refuse' });
      const dir = tempDir();
      const { fs: failingFs, failWrites } = writesFailingWith(code);
      const errors: string[] = [];
      const maxBufferedItems = 300;
      const shipper = createElasticsearchShipper({
        node: server.url,
        ...FAST,
        maxBufferedItems,
        onError: (error) => errors.push(String(error)),
        // A long sync interval: the test decides when the failing write happens.
        spool: { dir, fs: failingFs, syncIntervalMs: 60_000 },
      });
      const accounting = watchAccounting(shipper, maxBufferedItems);
      try {
        for (let seq = 0; seq < 1_000; seq++) shipper.write(line(seq));
        await turn();
        expect(shipper.stats().spooled).toBe(700);
        failWrites();
        // The server comes back; once memory has room, reading back first writes the pending tail,
        // which fails: the spool turns off and the 700 records that were on disk only are lost.
        await server.setMode('ok');
        await waitUntil(
          () => drained(shipper.stats()),
          30_000,
          () => shipper.stats(),
        );
        expect(shipper.stats().spool?.failure).toContain(`(${code})`);
        // From now on memory-only: new records are shipped as usual.
        for (let seq = 1_000; seq < 1_200; seq++) shipper.write(line(seq));
        await waitUntil(
          () => drained(shipper.stats()),
          30_000,
          () => shipper.stats(),
        );
        accounting.stop();
        const stats = shipper.stats();
        expect(errors.some((message) => message.includes('disk spool off'))).toBe(true);
        expect(stats).toMatchObject({ produced: 1_200, shipped: 500, spooled: 0, buffered: 0 });
        expect(stats.dropped).toMatchObject({ disk_error: 700, overflow: 0 });
        const delivered = new Set(server.sources().map((s) => (JSON.parse(s) as { seq: number }).seq));
        expect([...delivered].filter((seq) => seq >= 300 && seq < 1_000)).toEqual([]);
        expectNoDuplicates(server);
      } finally {
        await shipper.close(1_000);
        await server.close();
      }
    },
    60_000,
  );

  it('a read-only dir: a real process goes on memory-only, the reason counted and reported; nothing lost', async () => {
    const server = await startBulkServer();
    const parent = tempDir();
    const dir = join(parent, 'read-only');
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    const code = `
      import { createElasticsearchShipper } from ${JSON.stringify(ENTRY)};
      const errors = [];
      const shipper = createElasticsearchShipper({ node: ${JSON.stringify(server.url)}, flushIntervalMs: 10,
        onError: (e) => errors.push(String(e)), spool: { dir: ${JSON.stringify(dir)} } });
      for (let seq = 0; seq < 200; seq++) shipper.write(JSON.stringify({ seq }) + '\\n');
      await shipper.flush(10000);
      const stats = await shipper.close(1000);
      console.log(JSON.stringify({ stats, errors }));`;
    try {
      const output = await runChild(code, { obeyPermissions: true });
      const { stats, errors } = JSON.parse(output.trim().split('\n').at(-1) as string) as {
        stats: ShipperStats;
        errors: string[];
      };
      expect(stats.spool?.failure).toMatch(/^open failed \((EACCES|EROFS|EPERM)\)/);
      expect(errors.some((message) => message.includes('disk spool off'))).toBe(true);
      expect(stats).toMatchObject({ produced: 200, shipped: 200, spooled: 0, buffered: 0 });
      expect(identityHolds(stats)).toBe(true);
      expect(server.docs.size).toBe(200);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      chmodSync(dir, 0o755);
      await server.close();
    }
  }, 60_000);

  it('a second live process on the same dir gets SpoolLockedError; once the first closes it may start', async () => {
    const dir = tempDir();
    const first = createElasticsearchShipper({ node: 'http://127.0.0.1:9', onError: () => {}, spool: { dir } });
    const code = `
      import { createElasticsearchShipper } from ${JSON.stringify(ENTRY)};
      try {
        const spool = { dir: ${JSON.stringify(dir)} };
        const shipper = createElasticsearchShipper({ node: 'http://127.0.0.1:9', spool });
        await shipper.close(10);
        console.log('started');
      } catch (error) { console.log(error.name + ': ' + error.message); }`;
    try {
      expect(await runChild(code)).toMatch(
        new RegExp(`^SpoolLockedError: spool directory .* is in use by process ${process.pid}`),
      );
      await first.close(10);
      expect((await runChild(code)).trim()).toBe('started');
    } finally {
      await first.close(10);
    }
  }, 60_000);
});
