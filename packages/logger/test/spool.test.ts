import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dirBytes } from '@heapwise/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskSpool, type SpoolFs, type SpoolLoss } from '../src/shipper/spool/disk-spool.js';
import { LOCK_FILE, SpoolLockedError } from '../src/shipper/spool/dir-lock.js';
import { crc32, decodeSegment, encodeRecord, prepareFrame, writeFrame } from '../src/shipper/spool/segment-format.js';
import { SPOOL_DEFAULTS } from '../src/limits.js';
import { writesFailingWith } from './helpers.js';

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

function segments(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith('segment-'))
    .sort();
}

/** Reads back everything waiting on disk, as one entry per segment. */
function readAll(spool: DiskSpool): { seq: number; ids: string[] }[] {
  const out: { seq: number; ids: string[] }[] = [];
  for (
    let read = spool.readBack(Infinity, Infinity, true);
    read !== undefined;
    read = spool.readBack(Infinity, Infinity, true)
  ) {
    const last = out.at(-1);
    if (last?.seq === read.seq) last.ids.push(...read.records.map((r) => r.id));
    else out.push({ seq: read.seq, ids: read.records.map((r) => r.id) });
  }
  return out;
}

/** A loss recorder: what the spool reported as lost, summed by reason. */
function losses(): { onLoss: (loss: SpoolLoss) => void; total: Record<SpoolLoss['reason'], number> } {
  // Passed as the spool's events: only onLoss is used.
  const total = { overflow: 0, corrupt: 0, disk_error: 0 };
  return { total, onLoss: (loss) => (total[loss.reason] += loss.spooled + loss.found) };
}

describe('SPOOL_DEFAULTS', () => {
  it('the README limits table states the defaults the code has, one row per option', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const stated = (key: string): string | undefined =>
      new RegExp(`^\\| \`${key}\`\\s*\\| ([^|]+?)\\s*\\|`, 'm').exec(readme)?.[1];
    const written = (key: string, value: unknown): string => {
      if (typeof value === 'string') return `\`${value}\``;
      if (key.endsWith('Bytes') && typeof value === 'number') return `${value / 1024 / 1024} MiB`;
      return String(value);
    };
    for (const [key, value] of Object.entries(SPOOL_DEFAULTS)) expect(stated(key), key).toBe(written(key, value));
  });
});

/** The textbook CRC-32, one bit at a time: the reference the table-driven one must match. */
function bitwiseCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('segment format', () => {
  it('a line with non-ASCII characters round-trips byte for byte (the UTF-8 path, not the one-byte copy)', () => {
    const line = '{"msg":"café – 東京 😀","seq":1}\n';
    const frame = encodeRecord({ id: 'id-utf8', writtenAtMs: 7, line });
    expect(frame.length).toBe(Buffer.byteLength(`00000000\tid-utf8\t7\t${line}`));
    expect(decodeSegment(frame).records).toEqual([{ id: 'id-utf8', writtenAtMs: 7, line }]);
  });

  it('a frame made from the line’s bytes where the shipper holds them is the frame made from its string', () => {
    for (const line of ['{"msg":"plain","seq":2}\n', '{"msg":"café – 東京 😀","seq":3}\n']) {
      const record = { id: 'id-bytes', writtenAtMs: 9, line };
      // The line sits inside a larger buffer, as in a slab.
      const slab = Buffer.concat([Buffer.from('{"before":1}\n'), Buffer.from(line), Buffer.from('{"after":1}\n')]);
      const encoded = { chunk: slab, offset: Buffer.byteLength('{"before":1}\n'), bytes: Buffer.byteLength(line) };
      const fromBytes = prepareFrame(record, encoded);
      const written = Buffer.alloc(fromBytes.bytes + 4, 0xff);
      writeFrame(fromBytes, written, 2);
      expect(written.subarray(2, 2 + fromBytes.bytes).equals(encodeRecord(record))).toBe(true);
      // Nothing written outside the frame.
      expect([...written.subarray(0, 2), ...written.subarray(2 + fromBytes.bytes)]).toEqual([0xff, 0xff, 0xff, 0xff]);
      expect(decodeSegment(written.subarray(2, 2 + fromBytes.bytes)).records).toEqual([record]);
    }
  });

  it('crc32 (eight bytes per step) matches the bitwise CRC-32 for every length and alignment', () => {
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919 + 13) & 0xff));
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= bytes.length; end += 7) {
        expect(crc32(bytes, start, end)).toBe(bitwiseCrc32(bytes.subarray(start, end)));
      }
    }
  });

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
  it('records on disk only are read back in bounded chunks, in write order, the unsynced tail included', () => {
    const dir = tempDir();
    const spool = new DiskSpool({ dir, maxBytes: 1024 * 1024, segmentBytes: 64 * 1024 });
    // In memory first, then memory is full: everything after record 99 is on disk only.
    for (let seq = 0; seq < 100; seq++) spool.append(record(seq), false);
    for (let seq = 100; seq < 3_000; seq++) spool.append(record(seq), true);
    expect(spool.spilling).toBe(true);
    expect(spool.spooledRecords).toBe(2_900);
    const ids: string[] = [];
    let largest = 0;
    for (let read = spool.readBack(250, 16 * 1024); read !== undefined; read = spool.readBack(250, 16 * 1024)) {
      largest = Math.max(largest, read.records.length);
      expect(read.earlier).toBe(false);
      ids.push(...read.records.map((r) => r.id));
    }
    expect(largest).toBeLessThanOrEqual(250);
    expect(ids).toEqual(Array.from({ length: 2_900 }, (_, i) => `id-${i + 100}`));
    expect(spool.spooledRecords).toBe(0);
    expect(spool.spilling).toBe(false);
    // A frame larger than the room is not taken unless asked to (the owner's memory is empty).
    spool.append(record(3_000, 5_000), true);
    expect(spool.readBack(10, 1_000)).toBeUndefined();
    expect(spool.readBack(10, 1_000, true)?.records.map((r) => r.id)).toEqual(['id-3000']);
    spool.close();
  });

  it('records synced by one spool are read back by the next, in order, and deleted once acknowledged', () => {
    const dir = tempDir();
    const first = new DiskSpool({ dir, maxBytes: 1024 * 1024, segmentBytes: 64 * 1024 });
    for (let seq = 0; seq < 2_000; seq++) expect(first.append(record(seq), false)).toBeTypeOf('number');
    first.sync();
    first.close();
    first.close();
    expect(readdirSync(dir)).not.toContain(LOCK_FILE);
    expect(segments(dir).length).toBeGreaterThan(1);

    const lost = losses();
    const second = new DiskSpool({ dir, maxBytes: 1024 * 1024, segmentBytes: 64 * 1024 }, lost);
    expect(second.spilling).toBe(true);
    const read = readAll(second);
    expect(second.spilling).toBe(false);
    expect(read.flatMap((segment) => segment.ids)).toEqual(Array.from({ length: 2_000 }, (_, seq) => `id-${seq}`));
    expect(lost.total).toEqual({ overflow: 0, corrupt: 0, disk_error: 0 });
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
    for (let seq = 0; seq < 10; seq++) spool.append(record(seq), false);
    spool.sync();
    spool.close();
    const [segment] = segments(dir);
    const path = join(dir, segment);
    const half = encodeRecord(record(10)).subarray(0, 20);
    writeFileSync(path, Buffer.concat([readFileSync(path), half]));
    const sizeBefore = statSync(path).size;
    const lost = losses();
    const reopened = new DiskSpool({ dir }, lost);
    expect(lost.total.corrupt).toBe(1);
    expect(statSync(path).size).toBe(sizeBefore - half.length);
    expect(readAll(reopened).flatMap((s) => s.ids)).toEqual(Array.from({ length: 10 }, (_, seq) => `id-${seq}`));
    reopened.close();
  });

  it('a corrupted byte inside a segment is detected and counted, and that record is never returned', () => {
    const dir = tempDir();
    const spool = new DiskSpool({ dir });
    for (let seq = 0; seq < 10; seq++) spool.append(record(seq), false);
    spool.close();
    const path = join(dir, segments(dir)[0]);
    const bytes = readFileSync(path);
    const offset = encodeRecord(record(0)).length * 4 + 15;
    bytes[offset] = bytes[offset] ^ 0x20;
    writeFileSync(path, bytes);
    const lost = losses();
    const reopened = new DiskSpool({ dir }, lost);
    const ids = readAll(reopened).flatMap((s) => s.ids);
    expect(lost.total.corrupt).toBe(1);
    expect(ids).toHaveLength(9);
    expect(ids).not.toContain('id-4');
    reopened.close();
  });

  it.each(['drop_oldest', 'drop_newest'] as const)(
    'maxBytes is never exceeded on disk (%s), whole segments rotated, every refused or deleted record counted',
    (whenFull) => {
      const dir = tempDir();
      const maxBytes = 64 * 1024;
      const lost = losses();
      const spool = new DiskSpool({ dir, maxBytes, segmentBytes: 8 * 1024, whenFull }, lost);
      let accepted = 0;
      let maxSeen = 0;
      // An outage far longer than the spool holds: 6k records of ~100 bytes (600 kB) into 64 KiB,
      // on disk only (as when the owner's memory is full).
      for (let seq = 0; seq < 6_000; seq++) {
        if (spool.append(record(seq, 60), true) !== undefined) accepted++;
        maxSeen = Math.max(maxSeen, spool.totalBytes);
        if (seq % 50 === 0) {
          spool.sync();
          maxSeen = Math.max(maxSeen, dirBytes(dir));
        }
      }
      spool.sync();
      expect(maxSeen).toBeLessThanOrEqual(maxBytes);
      expect(dirBytes(dir)).toBe(spool.totalBytes);
      // Exact accounting: what is held, what was deleted (overflow) and what was refused is everything offered.
      const refused = 6_000 - accepted;
      expect(spool.spooledRecords + lost.total.overflow + refused).toBe(6_000);
      expect(lost.total.overflow + refused).toBeGreaterThan(5_000);
      // drop_oldest deletes, never refuses; drop_newest refuses, never deletes.
      expect(whenFull === 'drop_oldest' ? refused : lost.total.overflow).toBe(0);
      spool.close();
      const held = readAll(new DiskSpool({ dir, maxBytes, segmentBytes: 8 * 1024 })).flatMap((s) => s.ids);
      expect(held.length).toBe(spool.spooledRecords);
      // drop_oldest keeps the newest records, drop_newest the oldest.
      if (whenFull === 'drop_oldest') expect(held.at(-1)).toBe('id-5999');
      else expect(held[0]).toBe('id-0');
    },
    30_000,
  );

  it('a directory that cannot be used (a path under a file) turns the spool off with a reason; nothing throws', () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    const spool = new DiskSpool({ dir: join(file, 'spool') });
    expect(spool.failure).toMatch(/open failed \((ENOTDIR|EEXIST)\)/);
    expect(spool.append(record(1), false)).toBeUndefined();
    expect(spool.sync()).toBe(false);
    spool.close();
  });

  it.each(['ENOSPC', 'EIO', 'EACCES'])('%s while syncing turns the spool off with a counted reason', (code) => {
    const dir = tempDir();
    const { fs: failingFs, failWrites } = writesFailingWith(code);
    const lost = losses();
    const spool = new DiskSpool({ dir, fs: failingFs }, lost);
    spool.append(record(1), true);
    expect(spool.sync()).toBe(true);
    failWrites();
    spool.append(record(2), true);
    spool.append(record(3), false);
    expect(spool.spooledRecords).toBe(2);
    expect(spool.sync()).toBe(false);
    expect(spool.failure).toContain(`sync failed (${code})`);
    // The record on disk only that was never written is lost, counted; the written one stays readable.
    expect(lost.total.disk_error).toBe(1);
    expect(spool.spooledRecords).toBe(1);
    expect(spool.append(record(4), true)).toBeUndefined();
    expect(readAll(spool).flatMap((s) => s.ids)).toEqual(['id-1']);
    expect(spool.spooledRecords).toBe(0);
    spool.close();
  });

  it('a short writev is finished piece by piece: every frame reaches the file once, in order', () => {
    const dir = tempDir();
    const shortFs: SpoolFs = {
      ...fs,
      // Writes only half of the first piece, as a write interrupted by a signal or a full pipe may.
      writevSync: ((fd: number, buffers: NodeJS.ArrayBufferView[]) =>
        fs.writeSync(fd, buffers[0], 0, Math.ceil(buffers[0].byteLength / 2))) as typeof fs.writevSync,
    };
    const spool = new DiskSpool({ dir, fs: shortFs });
    // ~600 KB of frames: more than two 256 KiB chunks, so the writev has several pieces.
    for (let seq = 0; seq < 2_000; seq++) spool.append(record(seq, 250), true);
    expect(spool.sync()).toBe(true);
    spool.close();
    const reopened = new DiskSpool({ dir });
    expect(readAll(reopened).flatMap((s) => s.ids)).toEqual(Array.from({ length: 2_000 }, (_, seq) => `id-${seq}`));
    reopened.close();
  });

  it('an fsync that fails in the thread pool turns the spool off; what was written stays readable', async () => {
    const dir = tempDir();
    const failingFs: SpoolFs = {
      ...fs,
      fsync: ((_fd: number, callback: (error: NodeJS.ErrnoException | null) => void) =>
        setImmediate(() =>
          callback(Object.assign(new Error('EIO: injected'), { code: 'EIO' })),
        )) as unknown as typeof fs.fsync,
    };
    const failures: string[] = [];
    const spool = new DiskSpool({ dir, fs: failingFs }, { onFailure: (failure) => failures.push(failure) });
    spool.append(record(1), true);
    expect(spool.sync()).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(spool.failure).toContain('sync failed (EIO)');
    expect(failures).toHaveLength(1);
    expect(spool.append(record(2), true)).toBeUndefined();
    expect(readAll(spool).flatMap((s) => s.ids)).toEqual(['id-1']);
    spool.close();
  });

  it('the lock refuses a second spool here and in another process; a dead owner’s lock is taken over', async () => {
    const dir = tempDir();
    const spool = new DiskSpool({ dir });
    expect(() => new DiskSpool({ dir })).toThrow(SpoolLockedError);
    const entry = fileURLToPath(new URL('../src/shipper/spool/disk-spool.ts', import.meta.url));
    const code = `
      import { DiskSpool } from ${JSON.stringify(entry)};
      try { new DiskSpool({ dir: ${JSON.stringify(dir)} }); console.log('opened'); }
      catch (e) { console.log(e.name + ': ' + e.message); }`;
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
