import { randomBytes } from 'node:crypto';

/** One operation of a `_bulk` body: its action line, and where its source line is in the body. */
export interface ParsedBulkOp {
  op: string;
  index: string | undefined;
  id: string | undefined;
  /** Byte offset of the source line in the body; -1 for an operation without one (`delete`). */
  sourceStart: number;
  /** Byte offset of the newline that ends the source line. */
  sourceEnd: number;
}

const NEWLINE = 0x0a;

/**
 * Splits an NDJSON `_bulk` body into operations. It works on the request's bytes: a source line is
 * only located, and decoded (`sourceText`) by whoever needs it, since with `storeSources` off and no
 * predicate nobody does; the common action lines are read without `JSON.parse` (`readCompactAction`).
 * Throws a message Elasticsearch would put in a 400 `illegal_argument_exception`.
 */
export function parseBulkBody(body: Buffer): ParsedBulkOp[] {
  if (body.length > 0 && body[body.length - 1] !== NEWLINE) {
    throw new Error('The bulk request must be terminated by a newline [\\n]');
  }
  const ops: ParsedBulkOp[] = [];
  let line = 0;
  // The items of a request mostly name one index: each reuses the last one's string.
  let lastIndex: string | undefined;
  // Every line ends with a newline (checked above), so indexOf never returns -1 here.
  for (let start = 0; start < body.length;) {
    const end = body.indexOf(NEWLINE, start);
    line++;
    const op = readCompactAction(body, start, end, lastIndex) ?? readAction(body.toString('utf8', start, end), line);
    start = end + 1;
    if (op?.index !== undefined) lastIndex = op.index;
    if (op === undefined || op.op === 'delete') {
      if (op) ops.push(op);
      continue;
    }
    if (start === body.length) throw new Error('Validation Failed: 1: no requests added;');
    op.sourceStart = start;
    op.sourceEnd = body.indexOf(NEWLINE, start);
    line++;
    start = op.sourceEnd + 1;
    ops.push(op);
  }
  return ops;
}

/** An operation's source line as text (undefined for one without a source line). */
export function sourceText(body: Buffer, op: ParsedBulkOp): string | undefined {
  return op.sourceStart < 0 ? undefined : body.toString('utf8', op.sourceStart, op.sourceEnd);
}

/**
 * Reads an action line (the text of line number `line`, without its newline) as Elasticsearch
 * does, with `JSON.parse`; undefined for a blank line, which is skipped. Throws on anything else
 * that is not an object with a single key.
 */
export function readAction(text: string, line: number): ParsedBulkOp | undefined {
  if (text.trim() === '') return undefined;
  let action: unknown;
  try {
    action = JSON.parse(text);
  } catch {
    throw new Error(`Malformed action/metadata line [${line}], expected START_OBJECT`);
  }
  if (action === null || typeof action !== 'object' || Array.isArray(action)) {
    throw new Error(`Malformed action/metadata line [${line}], expected START_OBJECT`);
  }
  const keys = Object.keys(action);
  const op = keys[0];
  if (keys.length !== 1 || op === undefined) {
    throw new Error(`Malformed action/metadata line [${line}], expected a single action`);
  }
  const meta = (action as Record<string, unknown>)[op] as Record<string, unknown> | null;
  const index = typeof meta?.['_index'] === 'string' ? meta['_index'] : undefined;
  const id = typeof meta?.['_id'] === 'string' ? meta['_id'] : undefined;
  return { op, index, id, sourceStart: -1, sourceEnd: -1 };
}

const ASCII = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));
const CREATE_OPEN = ASCII('{"create":{');
const INDEX_OPEN = ASCII('{"index":{');
const INDEX_FIELD = ASCII('"_index":"');
const ID_FIELD = ASCII('"_id":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;

/**
 * The action line between `start` and `end` (its newline), when it has the compact shape clients
 * write: `{"create":{…}}` or `{"index":{…}}` holding only `"_index":"…"` and `"_id":"…"` fields, in
 * any order (the last of a repeated one wins, as in `JSON.parse`), their values printable ASCII
 * without escapes; undefined for anything else, which `readAction` then reads with `JSON.parse`.
 * An `_index` that spells `lastIndex` is given that string rather than a new one.
 * For the lines it accepts, it returns exactly what `readAction` does. It exists because `JSON.parse`
 * of every action line was the server's largest cost per document.
 */
export function readCompactAction(
  body: Buffer,
  start: number,
  end: number,
  lastIndex?: string,
): ParsedBulkOp | undefined {
  let op: string;
  let at: number;
  if (bytesAt(body, start, CREATE_OPEN)) {
    op = 'create';
    at = start + CREATE_OPEN.length;
  } else if (bytesAt(body, start, INDEX_OPEN)) {
    op = 'index';
    at = start + INDEX_OPEN.length;
  } else {
    return undefined;
  }
  let index: string | undefined;
  let id: string | undefined;
  while (body[at] !== CLOSE_BRACE) {
    const isIndex = bytesAt(body, at, INDEX_FIELD);
    if (!isIndex && !bytesAt(body, at, ID_FIELD)) return undefined;
    const valueStart = at + (isIndex ? INDEX_FIELD.length : ID_FIELD.length);
    const valueEnd = plainStringEnd(body, valueStart);
    if (valueEnd < 0) return undefined;
    if (!isIndex) id = body.toString('latin1', valueStart, valueEnd);
    else if (lastIndex !== undefined && sameText(body, valueStart, valueEnd, lastIndex)) index = lastIndex;
    else index = body.toString('latin1', valueStart, valueEnd);
    at = valueEnd + 1;
    if (body[at] === COMMA && body[at + 1] !== CLOSE_BRACE) at++;
    else if (body[at] !== CLOSE_BRACE) return undefined;
  }
  if (at + 2 !== end || body[at + 1] !== CLOSE_BRACE) return undefined;
  return { op, index, id, sourceStart: -1, sourceEnd: -1 };
}

/** Whether the ASCII bytes from `start` to `end` spell `text`. */
function sameText(body: Buffer, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (body[start + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Whether `bytes` are in `body` at `at`. Never matches across a newline: none of ours holds one. */
function bytesAt(body: Buffer, at: number, bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (body[at + i] !== bytes[i]) return false;
  return true;
}

/**
 * The offset of the quote that closes a JSON string starting at `at`, when every byte before it is
 * printable ASCII other than a backslash (so the string is those bytes as they are); else -1.
 */
function plainStringEnd(body: Buffer, at: number): number {
  for (let i = at; i < body.length; i++) {
    const byte = body[i];
    if (byte === QUOTE) return i;
    if (byte < 0x20 || byte > 0x7e || byte === BACKSLASH) return -1;
  }
  return -1;
}

const ID_BYTES = 15;
/**
 * How many ids' worth of random bytes are drawn at once: a `randomBytes` call costs microseconds, and
 * a client that sends no `_id` (the official client's helpers) has the server make one per document.
 */
const IDS_PER_DRAW = 1024;
let idBytes = Buffer.alloc(0);
let idBytesUsed = 0;

/** A 20-character id like the ones Elasticsearch generates (base64url of random bytes). */
export function generateDocumentId(): string {
  if (idBytesUsed === idBytes.length) {
    idBytes = randomBytes(ID_BYTES * IDS_PER_DRAW);
    idBytesUsed = 0;
  }
  idBytesUsed += ID_BYTES;
  return idBytes.toString('base64url', idBytesUsed - ID_BYTES, idBytesUsed);
}

/** The per-item error Elasticsearch reports for a status, close enough for clients to parse. */
export function itemError(status: number, index: string, id: string): { type: string; reason: string } {
  if (status === 429) {
    return {
      type: 'es_rejected_execution_exception',
      reason: `rejected execution of primary operation on index [${index}] (testkit)`,
    };
  }
  if (status === 409) {
    return {
      type: 'version_conflict_engine_exception',
      reason: `[${id}]: version conflict, document already exists (current version [1])`,
    };
  }
  if (status === 400) {
    return { type: 'document_parsing_exception', reason: `failed to parse document [${id}] (testkit)` };
  }
  if (status === 404) {
    return { type: 'index_not_found_exception', reason: `no such index [${index}]` };
  }
  return { type: 'exception', reason: `item failed with status ${status} (testkit)` };
}

/** The body of a whole-request error, in Elasticsearch's shape. */
export function requestErrorBody(status: number, reason: string): string {
  const type =
    status === 429 ? 'es_rejected_execution_exception' : status === 400 ? 'illegal_argument_exception' : 'exception';
  return JSON.stringify({ error: { root_cause: [{ type, reason }], type, reason }, status });
}

/** `GET /` of an Elasticsearch 9 node. */
export function infoBody(clusterName: string): string {
  return JSON.stringify({
    name: 'testkit-node',
    cluster_name: clusterName,
    cluster_uuid: 'testkit-cluster-uuid',
    version: {
      number: '9.4.0',
      build_flavor: 'default',
      build_type: 'tar',
      build_hash: 'testkit',
      build_date: '2026-01-01T00:00:00.000Z',
      build_snapshot: false,
      lucene_version: '10.3.0',
      minimum_wire_compatibility_version: '8.19.0',
      minimum_index_compatibility_version: '8.0.0',
    },
    tagline: 'You Know, for Search',
  });
}
