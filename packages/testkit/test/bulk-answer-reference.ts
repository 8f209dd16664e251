// The straightforward `_bulk` indexing the server's fast one is checked against: the whole body
// decoded and split into lines, every action line through JSON.parse, an object per item, then the
// generic filter_path walk and JSON.stringify. The server once ran exactly this; it answered right
// but cost several microseconds per document.
import type { Answer, IndexingState, Route } from '../src/bulk-answer.js';
import type { BulkItemInfo, BulkServerMode } from '../src/bulk-modes.js';
import { itemError, requestErrorBody } from '../src/bulk-protocol.js';

interface ReferenceOp {
  op: string;
  index: string | undefined;
  id: string | undefined;
  source: string | undefined;
}

export function referenceParseBulkBody(body: string): ReferenceOp[] {
  const lines = body.split('\n');
  // A well-formed body ends with a newline, so the last element is ''.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length > 0 && body.length > 0 && !body.endsWith('\n')) {
    throw new Error('The bulk request must be terminated by a newline [\\n]');
  }
  const ops: ReferenceOp[] = [];
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

export function referenceIndexBulk(
  body: string,
  route: Extract<Route, { kind: 'bulk' }>,
  mode: Extract<BulkServerMode, { kind: 'ok' | 'fail-items' | 'lost-response' }>,
  state: IndexingState,
  startedAtMs: number,
  nowMs: () => number,
): { answer: Answer; items: number } {
  let ops;
  try {
    ops = referenceParseBulkBody(body);
  } catch (error) {
    return { answer: { kind: 'json', status: 400, body: requestErrorBody(400, (error as Error).message) }, items: 0 };
  }
  const { docs, counters, storeSources } = state;
  let errors = false;
  const items = ops.map((op, position) => {
    const index = op.index ?? route.index;
    const opName = op.op;
    counters.items++;
    if ((opName !== 'index' && opName !== 'create') || index === undefined || op.source === undefined) {
      errors = true;
      counters.failedItems++;
      const reason = index === undefined ? 'index is missing' : `testkit supports index and create, not [${opName}]`;
      const error = { type: 'illegal_argument_exception', reason };
      return { [opName]: { _index: index ?? '', _id: op.id ?? null, status: 400, error } };
    }
    const info: BulkItemInfo = { op: opName, index, id: op.id, source: op.source, position };
    const id = op.id ?? state.newId();
    if (mode.kind === 'fail-items' && state.shouldFail(mode, info)) {
      errors = true;
      counters.failedItems++;
      return { [opName]: { _index: index, _id: id, status: mode.status, error: itemError(mode.status, index, id) } };
    }
    const existing = docs.get(id);
    if (existing && opName === 'create') {
      errors = true;
      counters.failedItems++;
      counters.conflicts++;
      return { create: { _index: index, _id: id, status: 409, error: itemError(409, index, id) } };
    }
    counters.accepted++;
    if (existing) {
      counters.duplicates++;
      existing.count++;
      existing.index = index;
      if (storeSources) existing.source = op.source;
      return { [opName]: okItem(index, id, existing.count, 'updated', 200) };
    }
    docs.set(id, { id, index, source: storeSources ? op.source : '', count: 1 });
    return { [opName]: okItem(index, id, 1, 'created', 201) };
  });
  if (mode.kind === 'lost-response') return { answer: { kind: 'destroy' }, items: ops.length };
  const full = { took: nowMs() - startedAtMs, errors, items };
  const response = JSON.stringify(route.filterPath ? referenceFilterResponse(full, route.filterPath) : full);
  return { answer: { kind: 'json', status: 200, body: response }, items: ops.length };
}

/**
 * Elasticsearch's `filter_path` over any value: keeps only the fields on the given dotted paths,
 * where `*` matches any key and arrays are walked through. Objects left empty are dropped.
 */
export function referenceFilterResponse(value: unknown, paths: readonly string[]): unknown {
  const patterns = paths.map((path) => path.split('.'));
  return filterValue(value, patterns) ?? {};
}

function filterValue(value: unknown, patterns: string[][]): unknown {
  if (patterns.some((pattern) => pattern.length === 0)) return value;
  if (Array.isArray(value)) {
    const kept = value.map((element) => filterValue(element, patterns)).filter((element) => element !== undefined);
    return kept.length > 0 ? kept : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  // Without a prototype, so that a key named `__proto__` (an operation name a client may send) is
  // kept as a field. The server once used `{}` here, where that assignment set the prototype instead
  // and the item vanished from a filtered answer: the one way this reference differs from it.
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, child] of Object.entries(value)) {
    const rest = patterns.filter((p) => p[0] === '*' || p[0] === key).map((p) => p.slice(1));
    if (rest.length === 0) continue;
    const filtered = filterValue(child, rest);
    if (filtered !== undefined) out[key] = filtered;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function okItem(index: string, id: string, version: number, result: 'created' | 'updated', status: number) {
  return {
    _index: index,
    _id: id,
    _version: version,
    result,
    _shards: { total: 2, successful: 1, failed: 0 },
    _seq_no: version - 1,
    _primary_term: 1,
    status,
  };
}
