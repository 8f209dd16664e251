import { randomBytes } from 'node:crypto';

/** One operation of a `_bulk` body: the action line and, for index/create, the source line. */
export interface ParsedBulkOp {
  op: string;
  index: string | undefined;
  id: string | undefined;
  source: string | undefined;
}

/**
 * Splits an NDJSON `_bulk` body into operations. Sources stay strings: the server never needs the
 * document's fields, and tests compare what the client sent byte for byte.
 * Throws a message Elasticsearch would put in a 400 `illegal_argument_exception`.
 */
export function parseBulkBody(body: string): ParsedBulkOp[] {
  const lines = body.split('\n');
  // A well-formed body ends with a newline, so the last element is ''.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length > 0 && body.length > 0 && !body.endsWith('\n')) {
    throw new Error('The bulk request must be terminated by a newline [\\n]');
  }
  const ops: ParsedBulkOp[] = [];
  for (let i = 0; i < lines.length; i++) {
    const actionLine = lines[i];
    if (actionLine === undefined || actionLine.trim() === '') continue;
    let action: unknown;
    try {
      action = JSON.parse(actionLine);
    } catch {
      throw new Error(`Malformed action/metadata line [${i + 1}], expected START_OBJECT`);
    }
    if (action === null || typeof action !== 'object' || Array.isArray(action)) {
      throw new Error(`Malformed action/metadata line [${i + 1}], expected START_OBJECT`);
    }
    const keys = Object.keys(action);
    const op = keys[0];
    if (keys.length !== 1 || op === undefined) {
      throw new Error(`Malformed action/metadata line [${i + 1}], expected a single action`);
    }
    const meta = (action as Record<string, unknown>)[op] as Record<string, unknown> | null;
    const index = typeof meta?.['_index'] === 'string' ? meta['_index'] : undefined;
    const id = typeof meta?.['_id'] === 'string' ? meta['_id'] : undefined;
    if (op === 'delete') {
      ops.push({ op, index, id, source: undefined });
      continue;
    }
    const source = lines[i + 1];
    if (source === undefined) {
      throw new Error(`Validation Failed: 1: no requests added;`);
    }
    i++;
    ops.push({ op, index, id, source });
  }
  return ops;
}

/** A 20-character id like the ones Elasticsearch generates (base64url of random bytes). */
export function generateDocumentId(): string {
  return randomBytes(15).toString('base64url');
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
