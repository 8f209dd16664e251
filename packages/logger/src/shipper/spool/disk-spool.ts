import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { SPOOL_DEFAULTS } from '../../limits.js';
import { LOCK_FILE, lockDir, SpoolLockedError } from './dir-lock.js';
import type { StoredLine } from '../line-store.js';
import { decodeFrames, prepareFrame, writeFrame, type SpooledRecord } from './segment-format.js';

export type WhenFull = 'drop_oldest' | 'drop_newest';

/** The file-system calls the spool makes: injectable, so ENOSPC/EIO can be tested without a full disk. */
export type SpoolFs = Pick<
  typeof nodeFs,
  | 'mkdirSync'
  | 'readdirSync'
  | 'statSync'
  | 'readFileSync'
  | 'openSync'
  | 'readSync'
  | 'writeSync'
  | 'writevSync'
  | 'fsyncSync'
  | 'fsync'
  | 'closeSync'
  | 'ftruncateSync'
  | 'rmSync'
>;

/**
 * Records that left the spool for good without being read back. `spooled`: records of this
 * process that were on disk only; `found`: records of an earlier process seen for the first time
 * (they were never counted before, so the owner counts them as recovered and lost at once).
 */
export interface SpoolLoss {
  reason: 'overflow' | 'corrupt' | 'disk_error';
  spooled: number;
  found: number;
}

/** What the spool tells its owner, synchronously, as it happens. */
export interface SpoolEvents {
  onLoss?: (loss: SpoolLoss) => void;
  /** The spool turned itself off (`failure` says why); called once. */
  onFailure?: (failure: string) => void;
}

export interface DiskSpoolOptions {
  dir: string;
  /** Total bytes of the directory's files (segments and lock), never exceeded. */
  maxBytes?: number;
  /** Appended records are written this often (fsync'ed right after); a crash loses at most this window. */
  syncIntervalMs?: number;
  /** When a record does not fit: delete the oldest segment (default), or refuse the new record. */
  whenFull?: WhenFull;
  /** A segment is closed and a new one started past this size (default: maxBytes / 8). */
  segmentBytes?: number;
  /**
   * true (default): every record is appended, so a crash loses at most `syncIntervalMs` of records.
   * false (overflow-only): only records that do not fit in memory are; a crash loses what memory held.
   */
  writeAhead?: boolean;
  fs?: SpoolFs;
  /** Liveness check of the lock's owner (tests inject it). */
  isAlive?: (pid: number) => boolean;
}

interface Segment {
  readonly seq: number;
  readonly path: string;
  /** Bytes written to the file (the pending appends of the current segment are not in it). */
  bytes: number;
  /** Records in it handed to the owner (in memory) and not yet acknowledged. */
  unacked: number;
  /** Records of this process in it that are on disk only (not yet read back). */
  diskOnly: number;
  /** Written by an earlier process: its records are counted when read back. */
  readonly earlier: boolean;
}

/** Where reading back resumes: the first byte of the first record that is on disk only. */
interface ReadCursor {
  segment: Segment;
  offset: number;
}

const SEGMENT_PATTERN = /^segment-(\d{12})\.log$/;
/** Bytes read per read-back call at least (a larger record grows the read to fit it). */
const MIN_READ_BYTES = 64 * 1024;
/** Appends are written into chunks of this size (a larger frame gets its own). */
const CHUNK_BYTES = 256 * 1024;

/**
 * A bounded log of records in segment files. Appends go to memory first and reach the file
 * (written, then fsync'ed in the thread pool) on `sync()`, which the owner calls every `syncIntervalMs`.
 *
 * Every record is appended (write-ahead); the owner says whether it also keeps it in memory. Once
 * one record is on disk only, every later one is too, until reading back has caught up: so the
 * records on disk only are always one contiguous tail of the log, starting at the read cursor, and
 * reading back is a sequential read from there, in bounded chunks. Records an earlier process left
 * are the oldest part of that tail. A segment is deleted once no record in it waits on disk and
 * every record handed out from it is acknowledged. An fs error turns appends off (`failure` says
 * why): the owner goes on memory-only. One process per directory (a lock file).
 */
export class DiskSpool {
  readonly dir: string;
  readonly maxBytes: number;
  readonly syncIntervalMs: number;
  readonly whenFull: WhenFull;
  readonly segmentBytes: number;
  readonly writeAhead: boolean;
  /** Why the spool turned itself off (an fs error), or undefined while it works. */
  failure: string | undefined;

  readonly #fs: SpoolFs;
  readonly #onLoss: (loss: SpoolLoss) => void;
  readonly #onFailure: (failure: string) => void;
  readonly #segments: Segment[] = [];
  #current: Segment | undefined;
  #fd: number | undefined;
  /** The file an fsync runs on in the thread pool (one at a time), and one to close once it is done. */
  #fsyncingFd: number | undefined;
  #closeAfterFsyncFd: number | undefined;
  #fsyncAgain = false;
  /**
   * Appends not written yet: the filled parts of earlier chunks, then `#chunk` from `#chunkStart`
   * to `#chunkUsed`. Frames are written into shared chunks, not one Buffer each: a Buffer per log
   * call that lives until the next sync would cost the garbage collector more than the frame itself.
   */
  #pending: Buffer[] = [];
  #chunk: Buffer | undefined;
  #chunkStart = 0;
  #chunkUsed = 0;
  #pendingBytes = 0;
  /** Records among the pending appends that are on disk only. */
  #pendingDiskOnly = 0;
  #spooled = 0;
  #cursor: ReadCursor | undefined;
  #nextSeq = 0;
  #lockBytes = 0;
  /** Sum of the segments' written bytes (kept, not summed, since append checks it every call). */
  #segmentsBytes = 0;
  #release: (() => void) | undefined;
  #closed = false;

  constructor(options: DiskSpoolOptions, events: SpoolEvents = {}) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes ?? SPOOL_DEFAULTS.maxBytes;
    this.syncIntervalMs = options.syncIntervalMs ?? SPOOL_DEFAULTS.syncIntervalMs;
    this.whenFull = options.whenFull ?? SPOOL_DEFAULTS.whenFull;
    this.segmentBytes = options.segmentBytes ?? Math.max(64 * 1024, Math.floor(this.maxBytes / 8));
    this.writeAhead = options.writeAhead ?? SPOOL_DEFAULTS.writeAhead;
    this.#fs = options.fs ?? nodeFs;
    this.#onLoss = events.onLoss ?? (() => undefined);
    this.#onFailure = events.onFailure ?? (() => undefined);
    try {
      this.#fs.mkdirSync(this.dir, { recursive: true });
      this.#release = lockDir(this.dir, options.isAlive);
      this.#lockBytes = this.#fs.statSync(join(this.dir, LOCK_FILE)).size;
      this.#scan();
    } catch (error) {
      // A second live process is the caller's error to see; a directory that cannot be used
      // (read-only, not a directory, disk full) turns the spool off and the shipper goes on in memory.
      if (error instanceof SpoolLockedError) throw error;
      this.#fail('open', error);
      this.#cursor = undefined;
      this.#release?.();
      this.#release = undefined;
    }
  }

  /** Bytes of every file in the directory, pending appends included: never above maxBytes. */
  get totalBytes(): number {
    return this.#lockBytes + this.#pendingBytes + this.#segmentsBytes;
  }

  /** Records of this process on disk only (appended with `diskOnly`, not yet read back or lost). */
  get spooledRecords(): number {
    return this.#spooled;
  }

  /** True while records wait on disk to be read back (this process's or an earlier one's). */
  get spilling(): boolean {
    return this.#cursor !== undefined;
  }

  /** True while segment `seq` is on disk and the spool works: its records survive this process. */
  holds(seq: number): boolean {
    return this.failure === undefined && this.#segments.some((segment) => segment.seq === seq);
  }

  /**
   * Appends one record (in memory until the next sync). `diskOnly`: the owner does not keep it; it
   * must be true while `spilling`. Returns the segment it went to, or undefined when it was refused
   * (`drop_newest` when full, a record larger than the whole spool, or the spool is off).
   * `encoded`: the line's UTF-8 bytes, when the caller holds them (copied, not encoded again).
   */
  append(record: SpooledRecord, diskOnly: boolean, encoded?: StoredLine): number | undefined {
    if (this.failure !== undefined || this.#closed) return undefined;
    try {
      const frame = prepareFrame(record, encoded);
      if (this.#lockBytes + frame.bytes > this.maxBytes) return undefined;
      if (this.#current === undefined || this.#current.bytes + this.#pendingBytes + frame.bytes > this.segmentBytes) {
        if (!this.#rotate()) return undefined;
      }
      while (this.totalBytes + frame.bytes > this.maxBytes) {
        if (this.whenFull === 'drop_newest' || !this.#evictOldest()) return undefined;
      }
      const current = this.#current as Segment;
      if (diskOnly) {
        this.#cursor ??= { segment: current, offset: current.bytes + this.#pendingBytes };
        current.diskOnly++;
        this.#pendingDiskOnly++;
        this.#spooled++;
      } else {
        current.unacked++;
      }
      this.#place(frame);
      return current.seq;
    } catch (error) {
      this.#fail('append', error);
      return undefined;
    }
  }

  /**
   * Writes what was appended since the last sync (a `kill -9` cannot lose it after this returns),
   * then fsyncs it in the thread pool (the event loop does not wait on the disk; a power loss can
   * lose what that fsync has not reached). Returns false when the spool is off.
   */
  sync(): boolean {
    if (this.failure !== undefined || this.#closed) return false;
    if (this.#pendingBytes === 0 || this.#fd === undefined || this.#current === undefined) return true;
    try {
      const chunk = this.#chunk;
      if (chunk !== undefined && this.#chunkUsed > this.#chunkStart) {
        this.#pending.push(chunk.subarray(this.#chunkStart, this.#chunkUsed));
      }
      // One writev of the pieces (no copy into one buffer); a short write is finished piece by piece.
      const total = this.#pendingBytes;
      let written = this.#fs.writevSync(this.#fd, this.#pending);
      for (const piece of this.#pending) {
        if (written >= piece.length) {
          written -= piece.length;
          continue;
        }
        let done = written;
        while (done < piece.length) done += this.#fs.writeSync(this.#fd, piece, done, piece.length - done);
        written = 0;
      }
      this.#current.bytes += total;
      this.#segmentsBytes += total;
      this.#dropPending();
      this.#startFsync(this.#fd);
      return true;
    } catch (error) {
      this.#fail('sync', error);
      return false;
    }
  }

  /**
   * The next records on disk only, oldest first, from one segment: at most `maxRecords` and
   * `maxBytes` of frames (the first frame whatever its size when `takeFirst`). They are handed to
   * the owner, who acknowledges each with `ack(seq)`. Undefined when nothing waits (or fits).
   * Reading streams: memory holds one chunk, never a whole segment or the whole spool.
   */
  readBack(
    maxRecords: number,
    maxBytes: number,
    takeFirst = false,
  ): { seq: number; records: SpooledRecord[]; earlier: boolean } | undefined {
    while (this.#cursor !== undefined && maxRecords > 0) {
      const cursor = this.#cursor;
      const segment = cursor.segment;
      // The tail may still be in the pending appends: write them first (this also checks the disk).
      if (segment === this.#current && this.#pendingBytes > 0 && !this.sync()) return undefined;
      if (cursor.offset >= segment.bytes) {
        this.#leave(segment);
        continue;
      }
      const remaining = segment.bytes - cursor.offset;
      let chunkBytes = Math.min(remaining, Math.max(MIN_READ_BYTES, maxBytes));
      let decoded;
      try {
        for (;;) {
          const chunk = this.#read(segment, cursor.offset, chunkBytes);
          decoded = decodeFrames(chunk, maxRecords, maxBytes, takeFirst);
          if (decoded.consumedBytes > 0) break;
          // A whole frame is there but does not fit the room given: wait for more room.
          if (chunk.includes(0x0a)) return undefined;
          // The segment ends inside a frame (cut by a crash): done below. Else the frame is larger than the chunk.
          if (chunk.length >= remaining) break;
          chunkBytes = Math.min(remaining, chunkBytes * 2);
        }
      } catch (error) {
        this.#fail('read', error);
        // What waits on disk stays there for the next process; this one reads no more.
        this.#cursor = undefined;
        return undefined;
      }
      if (decoded.consumedBytes === 0) {
        this.#lose('corrupt', segment, 1);
        cursor.offset = segment.bytes;
        continue;
      }
      cursor.offset += decoded.consumedBytes;
      if (decoded.corrupt > 0) this.#lose('corrupt', segment, decoded.corrupt);
      const count = decoded.records.length;
      if (count === 0) continue;
      if (!segment.earlier) {
        segment.diskOnly = Math.max(0, segment.diskOnly - count);
        this.#spooled -= count;
      }
      segment.unacked += count;
      return { seq: segment.seq, records: decoded.records, earlier: segment.earlier };
    }
    return undefined;
  }

  /** Records of segment `seq` were shipped or finally dropped; a segment with nothing left is deleted. */
  ack(seq: number, count = 1): void {
    const segment = this.#segments.find((candidate) => candidate.seq === seq);
    if (segment === undefined) return;
    segment.unacked = Math.max(0, segment.unacked - count);
    this.#removeIfDone(segment);
  }

  /** Writes and fsyncs what is pending (waiting for the disk, once), closes the file, releases the lock. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.sync();
    this.#closed = true;
    const fd = this.#fd;
    this.#fd = undefined;
    try {
      if (fd !== undefined && this.failure === undefined) this.#fs.fsyncSync(fd);
    } catch (error) {
      this.#fail('sync', error);
    }
    if (fd !== undefined) this.#closeFd(fd);
    this.#release?.();
    this.#release = undefined;
  }

  // ---- internals -------------------------------------------------------------------------------

  /** Lists the segments of an earlier process; the last one may end in a torn frame: cut it off. */
  #scan(): void {
    const names = this.#fs
      .readdirSync(this.dir)
      .filter((name) => SEGMENT_PATTERN.test(name))
      .sort();
    for (const name of names) {
      const seq = Number((SEGMENT_PATTERN.exec(name) as RegExpExecArray)[1]);
      const path = join(this.dir, name);
      const bytes = this.#fs.statSync(path).size;
      this.#segments.push({ seq, path, bytes, unacked: 0, diskOnly: 0, earlier: true });
      this.#segmentsBytes += bytes;
      this.#nextSeq = Math.max(this.#nextSeq, seq + 1);
    }
    const last = this.#segments.at(-1);
    if (last !== undefined) {
      const validBytes = this.#completeFramesLength(last);
      if (validBytes < last.bytes) {
        const fd = this.#fs.openSync(last.path, 'r+');
        try {
          this.#fs.ftruncateSync(fd, validBytes);
          this.#fs.fsyncSync(fd);
        } finally {
          this.#fs.closeSync(fd);
        }
        this.#segmentsBytes -= last.bytes - validBytes;
        last.bytes = validBytes;
        this.#onLoss({ reason: 'corrupt', spooled: 0, found: 1 });
      }
    }
    const first = this.#segments[0];
    if (first !== undefined) this.#cursor = { segment: first, offset: 0 };
  }

  /** Bytes up to the end of the segment's last complete frame, found by reading back from its end. */
  #completeFramesLength(segment: Segment): number {
    let length = Math.min(segment.bytes, MIN_READ_BYTES);
    for (;;) {
      const tail = this.#read(segment, segment.bytes - length, length);
      const lastNewline = tail.lastIndexOf(0x0a);
      if (lastNewline !== -1) return segment.bytes - length + lastNewline + 1;
      if (length === segment.bytes) return 0;
      length = Math.min(segment.bytes, length * 2);
    }
  }

  /** Starts an fsync of `fd` in the thread pool, or asks for one more after the one running. */
  #startFsync(fd: number): void {
    if (this.#fsyncingFd !== undefined) {
      this.#fsyncAgain ||= this.#fsyncingFd === fd;
      return;
    }
    this.#fsyncingFd = fd;
    this.#fs.fsync(fd, (error) => {
      this.#fsyncingFd = undefined;
      if (this.#closeAfterFsyncFd === fd) {
        this.#closeAfterFsyncFd = undefined;
        this.#closeFd(fd);
      } else if (error === null && this.#fsyncAgain && fd === this.#fd) {
        this.#fsyncAgain = false;
        this.#startFsync(fd);
      }
      if (error !== null) this.#fail('sync', error);
    });
  }

  /** Closes a file now, or once the fsync running on it is done. */
  #closeFd(fd: number): void {
    if (this.#fsyncingFd === fd) {
      this.#closeAfterFsyncFd = fd;
      return;
    }
    try {
      this.#fs.closeSync(fd);
    } catch {
      // closing is best effort: what was written is in the file
    }
  }

  /** Writes a frame into the current chunk (a new one when it is full). */
  #place(frame: ReturnType<typeof prepareFrame>): void {
    let chunk = this.#chunk;
    if (chunk === undefined || chunk.length - this.#chunkUsed < frame.bytes) {
      if (chunk !== undefined && this.#chunkUsed > this.#chunkStart) {
        this.#pending.push(chunk.subarray(this.#chunkStart, this.#chunkUsed));
      }
      chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, frame.bytes));
      this.#chunk = chunk;
      this.#chunkStart = 0;
      this.#chunkUsed = 0;
    }
    writeFrame(frame, chunk, this.#chunkUsed);
    this.#chunkUsed += frame.bytes;
    this.#pendingBytes += frame.bytes;
  }

  /** Forgets the pending appends (written, or lost to a failure); the chunk's free tail is reused. */
  #dropPending(): void {
    this.#pending = [];
    this.#chunkStart = this.#chunkUsed;
    this.#pendingBytes = 0;
    this.#pendingDiskOnly = 0;
  }

  #read(segment: Segment, offset: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    const fd = this.#fs.openSync(segment.path, 'r');
    try {
      let filled = 0;
      while (filled < length) {
        const read = this.#fs.readSync(fd, buffer, filled, length - filled, offset + filled);
        if (read === 0) break;
        filled += read;
      }
      return buffer.subarray(0, filled);
    } finally {
      this.#fs.closeSync(fd);
    }
  }

  /** The cursor read to the end of `segment`: what was counted on disk only and not found is lost. */
  #leave(segment: Segment): void {
    if (segment.diskOnly > 0) this.#lose('corrupt', segment, segment.diskOnly);
    if (segment === this.#current) {
      this.#cursor = undefined;
      return;
    }
    const next = this.#segments[this.#segments.indexOf(segment) + 1];
    this.#cursor = next === undefined ? undefined : { segment: next, offset: 0 };
    this.#removeIfDone(segment);
  }

  /** Counts `frames` records of `segment` as lost (this process's: they leave `spooled`). */
  #lose(reason: SpoolLoss['reason'], segment: Segment, frames: number): void {
    if (segment.earlier) {
      this.#onLoss({ reason, spooled: 0, found: frames });
      return;
    }
    const spooled = Math.min(frames, segment.diskOnly);
    if (spooled === 0) return;
    segment.diskOnly -= spooled;
    this.#spooled -= spooled;
    this.#onLoss({ reason, spooled, found: 0 });
  }

  /** Deletes a sealed segment once nothing in it waits on disk and everything handed out is acknowledged. */
  #removeIfDone(segment: Segment): void {
    if (segment === this.#current || segment.unacked > 0) return;
    const cursorSeq = this.#cursor?.segment.seq;
    if (cursorSeq !== undefined && cursorSeq <= segment.seq) return;
    try {
      this.#remove(segment);
    } catch (error) {
      this.#fail('delete', error);
    }
  }

  /** Seals the current segment (after writing its pending frames) and opens the next one. */
  #rotate(): boolean {
    if (this.#current !== undefined) {
      if (!this.sync()) return false;
      const fd = this.#fd;
      this.#fd = undefined;
      if (fd !== undefined) {
        // A sealed segment is fsync'ed whole before it is left (once per segment).
        this.#fs.fsyncSync(fd);
        this.#closeFd(fd);
      }
      const sealed = this.#current;
      this.#current = undefined;
      this.#removeIfDone(sealed);
    }
    const seq = this.#nextSeq++;
    const path = join(this.dir, `segment-${String(seq).padStart(12, '0')}.log`);
    this.#fd = this.#fs.openSync(path, 'a');
    this.#current = { seq, path, bytes: 0, unacked: 0, diskOnly: 0, earlier: false };
    this.#segments.push(this.#current);
    return true;
  }

  /**
   * Deletes the oldest sealed segment. Its records still waiting on disk are lost (overflow); its
   * records in the owner's memory stay there (they only lose their copy on disk).
   */
  #evictOldest(): boolean {
    const oldest = this.#segments[0];
    if (oldest === undefined || oldest === this.#current) return false;
    const cursor = this.#cursor;
    if (cursor !== undefined && cursor.segment === oldest) {
      if (oldest.earlier) {
        // An earlier process's records not read yet: read them to count them.
        let found = 0;
        try {
          const decoded = decodeFrames(this.#read(oldest, cursor.offset, oldest.bytes - cursor.offset));
          found = decoded.records.length + decoded.corrupt;
        } catch {
          // unreadable: nothing countable in it
        }
        if (found > 0) this.#onLoss({ reason: 'overflow', spooled: 0, found });
      } else {
        this.#lose('overflow', oldest, oldest.diskOnly);
      }
      const next = this.#segments[1];
      this.#cursor = { segment: next, offset: 0 };
    }
    this.#remove(oldest);
    return true;
  }

  #remove(segment: Segment): void {
    this.#fs.rmSync(segment.path, { force: true });
    const index = this.#segments.indexOf(segment);
    if (index !== -1) {
      this.#segments.splice(index, 1);
      this.#segmentsBytes -= segment.bytes;
    }
  }

  /**
   * Turns appends off after an fs error; the owner goes on memory-only and reports `failure`.
   * Records on disk only that were not written yet are lost; those written stay readable.
   */
  #fail(operation: string, error: unknown): void {
    if (this.failure !== undefined) return;
    const code = (error as NodeJS.ErrnoException | null)?.code;
    const message = error instanceof Error ? error.message : String(error);
    this.failure = `${operation} failed${code ? ` (${code})` : ''}: ${message}`;
    if (this.#fd !== undefined) this.#closeFd(this.#fd);
    this.#fd = undefined;
    const lost = this.#pendingDiskOnly;
    this.#dropPending();
    const current = this.#current;
    if (lost > 0 && current !== undefined) {
      current.diskOnly -= lost;
      this.#spooled -= lost;
      this.#onLoss({ reason: 'disk_error', spooled: lost, found: 0 });
    }
    const cursor = this.#cursor;
    if (cursor !== undefined && cursor.segment === current && cursor.offset >= cursor.segment.bytes) {
      this.#cursor = undefined;
    }
    this.#onFailure(this.failure);
  }
}
