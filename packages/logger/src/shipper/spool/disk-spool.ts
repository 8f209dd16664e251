import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { SPOOL_DEFAULTS } from '../../limits.js';
import { LOCK_FILE, lockDir, SpoolLockedError } from './dir-lock.js';
import { decodeSegment, encodeRecord, type SpooledRecord } from './segment-format.js';

export type WhenFull = 'drop_oldest' | 'drop_newest';

/** The file-system calls the spool makes: injectable, so ENOSPC/EIO can be tested without a full disk. */
export type SpoolFs = Pick<
  typeof nodeFs,
  | 'mkdirSync'
  | 'readdirSync'
  | 'statSync'
  | 'readFileSync'
  | 'openSync'
  | 'writeSync'
  | 'fsyncSync'
  | 'closeSync'
  | 'ftruncateSync'
  | 'rmSync'
>;

export interface DiskSpoolOptions {
  dir: string;
  /** Total bytes of the directory's files (segments and lock), never exceeded. */
  maxBytes?: number;
  /** Appended records are written and fsync'ed at least this often; a crash loses at most this window. */
  syncIntervalMs?: number;
  /** When a record does not fit: delete the oldest segment (default), or refuse the new record. */
  whenFull?: WhenFull;
  /** A segment is closed and a new one started past this size (default: maxBytes / 8). */
  segmentBytes?: number;
  fs?: SpoolFs;
  /** Liveness check of the lock's owner (tests inject it). */
  isAlive?: (pid: number) => boolean;
}

/** What the spool counted; the shipper folds these into its own accounting. */
export interface SpoolCounters {
  /** Records refused by `whenFull: 'drop_newest'`, or in segments deleted by `'drop_oldest'` before they were acknowledged. */
  overflow: number;
  /** Frames that failed their checksum or were cut by a crash: truncated or skipped, never returned. */
  corrupt: number;
}

interface Segment {
  readonly seq: number;
  readonly path: string;
  bytes: number;
  /** Records in it not yet acknowledged (for segments of earlier processes: known once read). */
  unacked: number;
  /** Records of an earlier process: counted when the segment is read back. */
  unread: boolean;
}

const SEGMENT_PATTERN = /^segment-(\d{12})\.log$/;

/**
 * A bounded write-ahead log of records in segment files. Appends go to memory first and reach the
 * file (written and fsync'ed) on `sync()`, which the owner calls every `syncIntervalMs`. Segments an
 * earlier process left are read back whole, oldest first, one at a time (memory holds one segment's
 * records at most); a segment is deleted once every record in it is acknowledged. Any file-system error turns the spool off (`failure` says why): the owner then
 * keeps going memory-only. One process per directory (a lock file).
 */
export class DiskSpool {
  readonly dir: string;
  readonly maxBytes: number;
  readonly syncIntervalMs: number;
  readonly whenFull: WhenFull;
  readonly segmentBytes: number;
  readonly counters: SpoolCounters = { overflow: 0, corrupt: 0 };
  /** Why the spool turned itself off (an fs error), or undefined while it works. */
  failure: string | undefined;

  readonly #fs: SpoolFs;
  readonly #segments: Segment[] = [];
  #current: Segment | undefined;
  #fd: number | undefined;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #nextSeq = 0;
  #lockBytes = 0;
  #release: (() => void) | undefined;
  #closed = false;

  constructor(options: DiskSpoolOptions) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes ?? SPOOL_DEFAULTS.maxBytes;
    this.syncIntervalMs = options.syncIntervalMs ?? SPOOL_DEFAULTS.syncIntervalMs;
    this.whenFull = options.whenFull ?? SPOOL_DEFAULTS.whenFull;
    this.segmentBytes = options.segmentBytes ?? Math.max(64 * 1024, Math.floor(this.maxBytes / 8));
    this.#fs = options.fs ?? nodeFs;
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
    }
  }

  /** Bytes of every file in the directory, pending appends included: never above maxBytes. */
  get totalBytes(): number {
    let total = this.#lockBytes + this.#pendingBytes;
    for (const segment of this.#segments) total += segment.bytes;
    return total;
  }

  /** Records held (acknowledged ones excluded; segments of an earlier process not yet read count 0). */
  get unackedRecords(): number {
    let total = 0;
    for (const segment of this.#segments) total += segment.unacked;
    return total;
  }

  /** True while segments of an earlier process wait to be read back. */
  get hasUnread(): boolean {
    return this.#segments.some((segment) => segment.unread);
  }

  /**
   * Appends one record (in memory until the next sync). Returns the segment it went to, or
   * undefined when it was refused (`drop_newest` when full, a record larger than the whole spool,
   * or the spool is off): the caller keeps it in memory only.
   */
  append(record: SpooledRecord): number | undefined {
    if (this.failure !== undefined || this.#closed) return undefined;
    try {
      const frame = encodeRecord(record);
      if (this.#lockBytes + frame.length > this.maxBytes) {
        this.counters.overflow++;
        return undefined;
      }
      if (this.#current === undefined || this.#current.bytes + this.#pendingBytes + frame.length > this.segmentBytes) {
        this.#rotate();
      }
      while (this.totalBytes + frame.length > this.maxBytes) {
        if (this.whenFull === 'drop_newest' || !this.#evictOldest()) {
          this.counters.overflow++;
          return undefined;
        }
      }
      this.#pending.push(frame);
      this.#pendingBytes += frame.length;
      const current = this.#current as Segment;
      current.unacked++;
      return current.seq;
    } catch (error) {
      this.#fail('append', error);
      return undefined;
    }
  }

  /** Writes and fsyncs what was appended since the last sync. Returns false when the spool is off. */
  sync(): boolean {
    if (this.failure !== undefined || this.#closed) return false;
    if (this.#pendingBytes === 0 || this.#fd === undefined || this.#current === undefined) return true;
    try {
      const data = Buffer.concat(this.#pending, this.#pendingBytes);
      let written = 0;
      while (written < data.length) written += this.#fs.writeSync(this.#fd, data, written, data.length - written);
      this.#fs.fsyncSync(this.#fd);
      this.#current.bytes += data.length;
      this.#pending = [];
      this.#pendingBytes = 0;
      return true;
    } catch (error) {
      this.#fail('sync', error);
      return false;
    }
  }

  /**
   * The next segment's records, oldest segment first (never the one being appended to): the
   * read-back streams one segment at a time, so memory holds at most one segment's records.
   */
  readSegment(): { seq: number; records: SpooledRecord[] } | undefined {
    for (;;) {
      const segment = this.failure === undefined ? this.#segments.find((candidate) => candidate.unread) : undefined;
      if (segment === undefined) return undefined;
      try {
        const decoded = decodeSegment(this.#fs.readFileSync(segment.path));
        this.counters.corrupt += decoded.corrupt;
        segment.unread = false;
        segment.unacked = decoded.records.length;
        if (decoded.records.length === 0) {
          this.#remove(segment);
          continue;
        }
        return { seq: segment.seq, records: decoded.records };
      } catch (error) {
        this.#fail('read', error);
      }
    }
  }

  /** One record of segment `seq` was shipped or finally dropped; a sealed segment with none left is deleted. */
  ack(seq: number, count = 1): void {
    const index = this.#segments.findIndex((segment) => segment.seq === seq);
    if (index === -1) return;
    const segment = this.#segments[index];
    segment.unacked = Math.max(0, segment.unacked - count);
    if (segment.unacked === 0 && segment !== this.#current && !segment.unread && this.failure === undefined) {
      try {
        this.#remove(segment);
      } catch (error) {
        this.#fail('delete', error);
      }
    }
  }

  /** Syncs, closes the file and releases the lock. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.sync();
    this.#closed = true;
    try {
      if (this.#fd !== undefined) this.#fs.closeSync(this.#fd);
    } catch {
      // closing is best effort: the data was fsync'ed above
    }
    this.#fd = undefined;
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
      this.#segments.push({ seq, path, bytes: this.#fs.statSync(path).size, unacked: 0, unread: true });
      this.#nextSeq = Math.max(this.#nextSeq, seq + 1);
    }
    const last = this.#segments.at(-1);
    if (last !== undefined) {
      const decoded = decodeSegment(this.#fs.readFileSync(last.path));
      if (decoded.tornTail) {
        this.counters.corrupt++;
        const fd = this.#fs.openSync(last.path, 'r+');
        try {
          this.#fs.ftruncateSync(fd, decoded.validBytes);
          this.#fs.fsyncSync(fd);
        } finally {
          this.#fs.closeSync(fd);
        }
        last.bytes = decoded.validBytes;
      }
    }
  }

  /** Seals the current segment (after writing its pending frames) and opens the next one. */
  #rotate(): void {
    if (this.#current !== undefined) {
      this.sync();
      if (this.#fd !== undefined) this.#fs.closeSync(this.#fd);
      this.#fd = undefined;
      const sealed = this.#current;
      this.#current = undefined;
      if (sealed.unacked === 0) this.#remove(sealed);
    }
    const seq = this.#nextSeq++;
    const path = join(this.dir, `segment-${String(seq).padStart(12, '0')}.log`);
    this.#fd = this.#fs.openSync(path, 'a');
    this.#current = { seq, path, bytes: 0, unacked: 0, unread: false };
    this.#segments.push(this.#current);
  }

  /** Deletes the oldest sealed segment; its unacknowledged records count as overflow. */
  #evictOldest(): boolean {
    const oldest = this.#segments[0];
    if (oldest === undefined || oldest === this.#current) return false;
    // An earlier process's segment not read yet: its records are counted by reading it first.
    if (oldest.unread) {
      try {
        const decoded = decodeSegment(this.#fs.readFileSync(oldest.path));
        oldest.unacked = decoded.records.length;
        this.counters.corrupt += decoded.corrupt;
      } catch {
        // unreadable: nothing countable in it
      }
    }
    this.counters.overflow += oldest.unacked;
    this.#remove(oldest);
    return true;
  }

  #remove(segment: Segment): void {
    this.#fs.rmSync(segment.path, { force: true });
    const index = this.#segments.indexOf(segment);
    if (index !== -1) this.#segments.splice(index, 1);
  }

  /** Turns the spool off after an fs error; the owner goes on memory-only and reports `failure`. */
  #fail(operation: string, error: unknown): void {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    this.failure = `${operation} failed${code ? ` (${code})` : ''}: ${error instanceof Error ? error.message : String(error)}`;
    try {
      if (this.#fd !== undefined) this.#fs.closeSync(this.#fd);
    } catch {
      // already failing
    }
    this.#fd = undefined;
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}
