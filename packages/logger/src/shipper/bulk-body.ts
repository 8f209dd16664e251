import type { Utf8Writable } from './line-store.js';
import type { BufferedRecord } from './record-queue.js';

export interface BodyOptions {
  op: 'index' | 'create';
  assignIds: boolean;
  /** The index of a record, from its write time; user code, so it may throw. */
  indexName: (writtenAtMs: number) => string;
  /** The record's `_id`: the same string for a record at every call (a re-send must not duplicate). */
  idOf: (record: BufferedRecord) => string;
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

/**
 * Builds the body of one `_bulk` request. Lines are copied as the bytes they are, never parsed again.
 * A record keeps its `_id` (see `idOf`), so a re-send overwrites (or 409s) instead of duplicating.
 * A record whose index name cannot be computed is left out and returned in `failed`.
 */
export function buildBulkBody(batch: readonly BufferedRecord[], options: BodyOptions): BuiltBody {
  const { op, assignIds, indexName, idOf } = options;
  const actions: string[] = [];
  const records: BufferedRecord[] = [];
  const failed: { record: BufferedRecord; error: unknown }[] = [];
  let bytes = 0;
  let size = 0;
  let lastIndex: string | undefined;
  let actionPrefix = '';
  // Index names may hold any character; ids and the rest of the action line are ASCII.
  let prefixExtraBytes = 0;
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
      actionPrefix = `{"${op}":{"_index":${JSON.stringify(index)}`;
      prefixExtraBytes = Buffer.byteLength(actionPrefix, 'utf8') - actionPrefix.length;
    }
    let action: string;
    if (assignIds) {
      action = `${actionPrefix},"_id":"${idOf(record)}"}}\n`;
    } else {
      action = `${actionPrefix}}}\n`;
    }
    actions.push(action);
    records.push(record);
    bytes += record.bytes;
    size += action.length + prefixExtraBytes + record.bytes;
  }
  return { body: writeBody(actions, records, size), records, bytes, failed };
}

/** Action line, then line, for each record, into one buffer of exactly `size` bytes. */
function writeBody(actions: readonly string[], records: readonly BufferedRecord[], size: number): Buffer {
  const body = Buffer.allocUnsafe(size) as Utf8Writable;
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    at += body.utf8Write(actions[i], at);
    const record = records[i];
    at += record.chunk.copy(body, at, record.offset, record.offset + record.bytes);
  }
  return body;
}
