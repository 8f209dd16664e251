import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskSpool, type SpoolFs } from '../src/shipper/spool/disk-spool.js';
import { LOCK_FILE, SpoolLockedError } from '../src/shipper/spool/dir-lock.js';
import { crc32, decodeSegment, encodeRecord } from '../src/shipper/spool/segment-format.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'heapwise-spool-'));
  dirs.push(dir);
  return dir;
}

function record(seq: number, pad = 0) {
  return {
    id: `id-${seq}`,
    writtenAtMs: 1_700_000_000_000 + seq,
    line: `{"seq":${seq},"msg":"r${'x'.repeat(pad)}"}\n`,
  };
}

/** `du` semantics: the sum of the sizes of the files in the directory. */
function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

function segments(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith('segment-'))
    .sort();
}

function readAll(spool: DiskSpool): { seq: number; ids: string[] }[] {
  const out: { seq: number; ids: string[] }[] = [];
  for (let segment = spool.readSegment(); segment !== undefined; segment = spool.readSegment()) {
    out.push({ seq: segment.seq, ids: segment.records.map((r) => r.id) });
  }
  return out;
}

describe('segment format', () => {
  it('crc32 is zlib’s (IEEE) and frames round-trip; a flipped byte or a cut frame is detected', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    const frames = Buffer.concat([encodeRecord(record(1)), encodeRecord(record(2)), encodeRecord(record(3))]);
    expect(decodeSegment(frames)).toMatchObject({ corrupt: 0, tornTail: false, validBytes: frames.length });
    expect(decodeSegment(frames).records).toEqual([record(1), record(2), record(3)]);
    const flipped = Buffer.from(frames);
    const secondFrameStart = encodeRecord(record(1)).length;
    flipped[secondFrameStart + 20] = flipped[secondFrameStart + 20] ^ 0x01;
    const decoded = decodeSegment(flipped);
    expect(decoded.corrupt).toBe(1);
    expect(decoded.records.map((r) => r.id)).toEqual(['id-1', 'id-3']);
    const cut = decodeSegment(frames.subarray(0, frames.length - 5));
    expect(cut).toMatchObject({ tornTail: true, corrupt: 0 });
    expect(cut.records.map((r) => r.id)).toEqual(['id-1', 'id-2']);
  });
});

describe('DiskSpool over a real directory', () => {
  it('records synced by one spool are read back by the next, segment by segment, in order, and deleted once acknowledged', () => {
    const dir = tempDir();
    const first = new DiskSpool({ dir, maxBytes: 1024 * 1024, segmentBytes: 64 * 1024 });
    for (let seq = 0; seq < 2_000; seq++) expect(first.append(record(seq))).toBeTypeOf('number');
    first.sync();
    first.close();
    first.close();
    expect(readdirSync(dir)).not.toContain(LOCK_FILE);
    expect(segments(dir).length).toBeGreaterThan(1);

    const second = new DiskSpool({ dir, maxBytes: 1024 * 1024, segmentBytes: 64 * 1024 });
    expect(second.hasUnread).toBe(true);
    const read = readAll(second);
    expect(read.flatMap((segment) => segment.ids)).toEqual(Array.from({ length: 2_000 }, (_, seq) => `id-${seq}`));
    expect(second.counters).toEqual({ overflow: 0, corrupt: 0 });
    // Segments go only when every record in them is acknowledged.
    const [oldest] = read;
    second.ack(oldest.seq, oldest.ids.length - 1);
    expect(segments(dir)).toHaveLength(read.length);
    second.ack(oldest.seq);
    expect(segments(dir)).toHaveLength(read.length - 1);
    for (const segment of read.slice(1)) second.ack(segment.seq, segment.ids.length);
    expect(segments(dir)).toEqual([]);
    second.close();
  });

  it('a torn tail (a crash in the middle of a write) is cut off and counted; the records before it survive', () => {
    const dir = tempDir();
    const spool = new DiskSpool({ dir });
    for (let seq = 0; seq < 10; seq++) spool.append(record(seq));
    spool.sync();
    spool.close();
    const [segment] = segments(dir);
    const path = join(dir, segment);
    const half = encodeRecord(record(10)).subarray(0, 20);
    writeFileSync(path, Buffer.concat([readFileSync(path), half]));
    const sizeBefore = statSync(path).size;
    const reopened = new DiskSpool({ dir });
    expect(reopened.counters.corrupt).toBe(1);
    expect(statSync(path).size).toBe(sizeBefore - half.length);
    expect(readAll(reopened).flatMap((s) => s.ids)).toEqual(Array.from({ length: 10 }, (_, seq) => `id-${seq}`));
    reopened.close();
  });

  it('a corrupted byte inside a segment is detected and counted, and that record is never returned', () => {
    const dir = tempDir();
    const spool = new DiskSpool({ dir });
    for (let seq = 0; seq < 10; seq++) spool.append(record(seq));
    spool.close();
    const path = join(dir, segments(dir)[0]);
    const bytes = readFileSync(path);
    const offset = encodeRecord(record(0)).length * 4 + 15;
    bytes[offset] = bytes[offset] ^ 0x20;
    writeFileSync(path, bytes);
    const reopened = new DiskSpool({ dir });
    const ids = readAll(reopened).flatMap((s) => s.ids);
    expect(reopened.counters.corrupt).toBe(1);
    expect(ids).toHaveLength(9);
    expect(ids).not.toContain('id-4');
    reopened.close();
  });

  it.each(['drop_oldest', 'drop_newest'] as const)(
    'maxBytes is never exceeded on disk (%s), whole segments rotated, every refused or deleted record counted',
    (whenFull) => {
      const dir = tempDir();
      const maxBytes = 64 * 1024;
      const spool = new DiskSpool({ dir, maxBytes, segmentBytes: 8 * 1024, whenFull });
      let accepted = 0;
      let maxSeen = 0;
      // An outage far longer than the spool holds: 6k records of ~100 bytes (600 kB) into 64 KiB.
      for (let seq = 0; seq < 6_000; seq++) {
        if (spool.append(record(seq, 60)) !== undefined) accepted++;
        maxSeen = Math.max(maxSeen, spool.totalBytes);
        if (seq % 50 === 0) {
          spool.sync();
          maxSeen = Math.max(maxSeen, dirBytes(dir));
        }
      }
      spool.sync();
      expect(maxSeen).toBeLessThanOrEqual(maxBytes);
      expect(dirBytes(dir)).toBe(spool.totalBytes);
      // Exact accounting: what is held plus what was counted as overflow is everything offered.
      expect(spool.unackedRecords + spool.counters.overflow).toBe(6_000);
      expect(spool.counters.overflow).toBeGreaterThan(5_000);
      spool.close();
      const held = readAll(new DiskSpool({ dir, maxBytes, segmentBytes: 8 * 1024 })).flatMap((s) => s.ids);
      expect(held.length).toBe(6_000 - spool.counters.overflow);
      // drop_oldest keeps the newest records, drop_newest the oldest.
      if (whenFull === 'drop_oldest') expect(held.at(-1)).toBe('id-5999');
      else expect(held[0]).toBe('id-0');
      expect(accepted).toBe(whenFull === 'drop_newest' ? held.length : 6_000);
    },
    30_000,
  );

  it('a directory that cannot be used (a path under a file) turns the spool off with a reason; nothing throws', () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    const spool = new DiskSpool({ dir: join(file, 'spool') });
    expect(spool.failure).toMatch(/open failed \((ENOTDIR|EEXIST)\)/);
    expect(spool.append(record(1))).toBeUndefined();
    expect(spool.sync()).toBe(false);
    spool.close();
  });

  it.each(['ENOSPC', 'EIO', 'EACCES'])('%s while syncing turns the spool off with a counted reason', (code) => {
    const dir = tempDir();
    let failWrites = false;
    const failingFs: SpoolFs = {
      ...fs,
      writeSync: ((...args: Parameters<typeof fs.writeSync>) => {
        if (failWrites) throw Object.assign(new Error(`${code}: injected`), { code });
        return (fs.writeSync as (...a: unknown[]) => number)(...args);
      }) as typeof fs.writeSync,
    };
    const spool = new DiskSpool({ dir, fs: failingFs });
    spool.append(record(1));
    expect(spool.sync()).toBe(true);
    failWrites = true;
    spool.append(record(2));
    expect(spool.sync()).toBe(false);
    expect(spool.failure).toContain(`sync failed (${code})`);
    expect(spool.append(record(3))).toBeUndefined();
    spool.close();
  });

  it('the lock refuses a second spool in this process and in another live process; a dead owner’s lock is taken over', async () => {
    const dir = tempDir();
    const spool = new DiskSpool({ dir });
    expect(() => new DiskSpool({ dir })).toThrow(SpoolLockedError);
    const entry = fileURLToPath(new URL('../src/shipper/spool/disk-spool.ts', import.meta.url));
    const code = `import { DiskSpool } from ${JSON.stringify(entry)}; try { new DiskSpool({ dir: ${JSON.stringify(dir)} }); console.log('opened'); } catch (e) { console.log(e.name + ': ' + e.message); }`;
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', code],
        { timeout: 20_000 },
        (error, stdout) => (error ? reject(new Error(error.message)) : resolve(stdout)),
      ),
    );
    expect(output).toMatch(new RegExp(`SpoolLockedError: spool directory .* is in use by process ${process.pid}`));
    spool.close();
    // A lock whose owner is gone (SIGKILL leaves it behind).
    writeFileSync(join(dir, LOCK_FILE), '999999999');
    const takeover = new DiskSpool({ dir, isAlive: () => false });
    expect(takeover.failure).toBeUndefined();
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(String(process.pid));
    takeover.close();
  }, 30_000);
});
