import type { BufferedRecord } from './record-queue.js';

export interface BodyOptions {
  op: 'index' | 'create';
  assignIds: boolean;
  /** The index of a record, from its write time; user code, so it may throw. */
  indexName: (writtenAtMs: number) => string;
  /** The record's `_id`, called once per record that has none yet. */
  nextId: (record: BufferedRecord) => string;
}

export interface BuiltBody {
  /** The NDJSON `_bulk` body: an action line, then the record's line as the logger wrote it. */
  body: string;
  /** The records in the body, in body order (the answer's items follow this order). */
  records: BufferedRecord[];
  /** UTF-8 bytes of `records` (their lines, not the action lines). */
  bytes: number;
  /** Records left out because naming their index threw. */
  failed: { record: BufferedRecord; error: unknown }[];
}

/**
 * Builds the body of one `_bulk` request. Lines are joined as they are, never parsed again.
 * An `_id` is assigned once and kept on the record, so a re-send overwrites (or 409s) instead of
 * duplicating. A record whose index name cannot be computed is left out and returned in `failed`.
 */
export function buildBulkBody(batch: readonly BufferedRecord[], options: BodyOptions): BuiltBody {
  const { op, assignIds, indexName, nextId } = options;
  const parts: string[] = [];
  const records: BufferedRecord[] = [];
  const failed: { record: BufferedRecord; error: unknown }[] = [];
  let bytes = 0;
  let lastIndex: string | undefined;
  let actionPrefix = '';
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
    }
    if (assignIds) {
      record.id ??= nextId(record);
      parts.push(`${actionPrefix},"_id":"${record.id}"}}\n`, record.line);
    } else {
      parts.push(`${actionPrefix}}}\n`, record.line);
    }
    records.push(record);
    bytes += record.bytes;
  }
  return { body: parts.join(''), records, bytes, failed };
}
