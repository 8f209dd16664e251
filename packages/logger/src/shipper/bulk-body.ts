import type { BufferedRecord } from './record-queue.js';

export interface BodyOptions {
  op: 'index' | 'create';
  assignIds: boolean;
  /** The index of a record, from its write time; user code, so it may throw. */
  indexName: (writtenAtMs: number) => string;
  /** What this process's `_id`s start with (ASCII; see `documentId`). */
  idPrefix: string;
  /**
   * The record's `_id`: the number after `idPrefix` (the same number for a record at every call, so a
   * re-send does not duplicate), or the whole `_id` it carries (an earlier process's, read from disk).
   */
  idOf: (record: BufferedRecord) => number | string;
}

export interface BuiltBody {
  /** The NDJSON `_bulk` body: for each record, an action line, then its line as the logger wrote it. */
  body: Buffer;
  /** The records in the body, in body order (the answer's items follow this order). */
  records: BufferedRecord[];
  /** UTF-8 bytes of `records` (their lines, not the action lines). */
  bytes: number;
  /** Records left out because naming their index threw. */
  failed: { record: BufferedRecord; error: unknown }[];
}

/** A document's `_id` as this process makes it: the prefix, then the record's number in base 36. */
export function documentId(idPrefix: string, sequence: number): string {
  return idPrefix + sequence.toString(36);
}

/** The record's number in an `_id` that `documentId` made with `idPrefix`; undefined for any other `_id`. */
export function documentSequence(idPrefix: string, id: string): number | undefined {
  return id.startsWith(idPrefix) ? Number.parseInt(id.slice(idPrefix.length), 36) : undefined;
}

/** Base-36 digits of a safe integer ≥ 0 need at most this many bytes (36^11 > 2^53). */
const MAX_ID_DIGITS = 11;
/** Ends an action line whose `_id` is still open (this process's), and one that is complete. */
const END_AFTER_DIGITS = Buffer.from('"}}\n');
const END = Buffer.from('}}\n');

/**
 * Builds the body of one `_bulk` request. Lines are copied as the bytes they are, never parsed again.
 * A record keeps its `_id` (see `idOf`), so a re-send overwrites (or 409s) instead of duplicating.
 * A record whose index name cannot be computed is left out and returned in `failed`.
 *
 * Action lines are written as bytes: the part up to this process's `_id` digits encoded once per
 * index name, then the digits one by one. Building a string per record and encoding it made the
 * whole body cost about a third more instructions (callgrind, 1,000 access-log records).
 */
export function buildBulkBody(batch: readonly BufferedRecord[], options: BodyOptions): BuiltBody {
  const { op, assignIds, indexName, idPrefix, idOf } = options;
  const records: BufferedRecord[] = [];
  // Per record: the action line's bytes up to its digits (or whole but for END), and its number (-1: none).
  const starts: Buffer[] = [];
  const sequences: number[] = [];
  const failed: { record: BufferedRecord; error: unknown }[] = [];
  let bytes = 0;
  let maxSize = 0;
  let lastIndex: string | undefined;
  let indexText = '';
  let ownStart = END;
  for (const record of batch) {
    let index: string;
    try {
      index = indexName(record.writtenAtMs);
      if (typeof index !== 'string' || index === '') throw new TypeError(`index name ${String(index)} is not a name`);
    } catch (error) {
      failed.push({ record, error });
      continue;
    }
    if (index !== lastIndex) {
      lastIndex = index;
      // Index names may hold any character: JSON.stringify escapes what JSON needs, Buffer.from encodes.
      indexText = `{"${op}":{"_index":${JSON.stringify(index)}`;
      ownStart = Buffer.from(assignIds ? `${indexText},"_id":"${idPrefix}` : indexText, 'utf8');
    }
    const id = assignIds ? idOf(record) : -1;
    const start = typeof id === 'number' ? ownStart : Buffer.from(`${indexText},"_id":${JSON.stringify(id)}`, 'utf8');
    const sequence = typeof id === 'number' ? id : -1;
    starts.push(start);
    sequences.push(sequence);
    records.push(record);
    bytes += record.bytes;
    maxSize +=
      start.byteLength + (sequence >= 0 ? MAX_ID_DIGITS + END_AFTER_DIGITS.byteLength : END.byteLength) + record.bytes;
  }
  const body = Buffer.allocUnsafe(maxSize);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const start = starts[i];
    body.set(start, at);
    at += start.byteLength;
    const sequence = sequences[i];
    const end = sequence >= 0 ? END_AFTER_DIGITS : END;
    if (sequence >= 0) at = writeBase36(body, at, sequence);
    body.set(end, at);
    at += end.byteLength;
    // `copy` would make the same view with more argument checks around it.
    const record = records[i];
    body.set(new Uint8Array(record.chunk.buffer, record.chunk.byteOffset + record.offset, record.bytes), at);
    at += record.bytes;
  }
  return { body: body.subarray(0, at), records, bytes, failed };
}

/** Writes `value`'s base-36 digits (as `value.toString(36)` spells them) at `at`; returns the end. */
export function writeBase36(target: Buffer, at: number, value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 36; rest = Math.floor(rest / 36)) digits++;
  let rest = value;
  for (let i = at + digits - 1; i >= at; i--) {
    const digit = rest % 36;
    target[i] = digit < 10 ? 48 + digit : 87 + digit; // '0'…'9', 'a'…'z'
    rest = Math.floor(rest / 36);
  }
  return at + digits;
}
