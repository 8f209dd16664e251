// The pure parts of the loopback server: where a request goes, how a mode answers it, and how a
// `_bulk` body is indexed. bulk-server.ts only reads sockets and writes what these decide.
import type { BulkItemInfo, BulkServerMode } from './bulk-modes.js';
import { generateDocumentId, infoBody, itemError, parseBulkBody, requestErrorBody } from './bulk-protocol.js';

/** What the server does with one request. */
export type Answer =
  /** A JSON body in Elasticsearch's content type (the vendor type when the client asked for it). */
  | { kind: 'json'; status: number; body: string }
  /** A body sent as is with a plain JSON content type (the info body, garbage); empty for HEAD. */
  | { kind: 'raw'; status: number; body: string }
  /** No body, and the connection closed after it (Elasticsearch's 413). */
  | { kind: 'empty'; status: number }
  /** The socket destroyed instead of an answer. */
  | { kind: 'destroy' }
  /** No answer ever (the socket is destroyed by close()). */
  | { kind: 'stall' };

/** The status a recorded request shows: undefined when nothing was answered. */
export function answerStatus(answer: Answer): number | undefined {
  return answer.kind === 'destroy' || answer.kind === 'stall' ? undefined : answer.status;
}

export type Route =
  | { kind: 'info'; head: boolean }
  | { kind: 'not-found' }
  /**
   * `index` is the `<index>` of `/<index>/_bulk`, when given; `filterPath` the `filter_path` query
   * parameter's paths (Elasticsearch's response filtering), when given.
   */
  | { kind: 'bulk'; index: string | undefined; filterPath?: string[] };

const BULK_PATH = /^\/(?:([^/?]+)\/)?_bulk(?:\?.*)?$/;

export function routeRequest(method: string, path: string): Route {
  const match = BULK_PATH.exec(path);
  if (match && (method === 'POST' || method === 'PUT')) {
    const index = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
    const query = path.includes('?') ? new URLSearchParams(path.slice(path.indexOf('?') + 1)) : undefined;
    const filterPath = query?.get('filter_path');
    return filterPath ? { kind: 'bulk', index, filterPath: filterPath.split(',') } : { kind: 'bulk', index };
  }
  if ((method === 'GET' || method === 'HEAD') && (path === '/' || path.startsWith('/?')))
    return { kind: 'info', head: method === 'HEAD' };
  return { kind: 'not-found' };
}

/** The answer to a request that is not a `_bulk` one. */
export function answerOther(
  route: Exclude<Route, { kind: 'bulk' }>,
  method: string,
  path: string,
  clusterName: string,
): Answer {
  if (route.kind === 'info') return { kind: 'raw', status: 200, body: route.head ? '' : infoBody(clusterName) };
  return {
    kind: 'json',
    status: 404,
    body: requestErrorBody(404, `no handler found for uri [${path}] and method [${method}]`),
  };
}

const GARBAGE = '{"took":3,"errors":fal<html><body>502 Bad Gateway</body></html>';

/**
 * How a mode answers a `_bulk` request without looking at its items; undefined for the modes that
 * index (`ok`, `fail-items`, `lost-response`).
 */
export function answerWithoutIndexing(mode: BulkServerMode): Answer | undefined {
  switch (mode.kind) {
    case 'stall':
      return { kind: 'stall' };
    case 'refuse':
    case 'reset':
      return { kind: 'destroy' };
    case 'status':
      return {
        kind: 'json',
        status: mode.status,
        body: requestErrorBody(mode.status, 'whole request failed (testkit)'),
      };
    case 'too-large':
      return { kind: 'empty', status: 413 };
    case 'garbage':
      return { kind: 'raw', status: 200, body: GARBAGE };
    case 'ok':
    case 'fail-items':
    case 'lost-response':
      return undefined;
  }
}

/** One document as stored by the server, keyed by `_id`. */
export interface StoredDoc {
  readonly id: string;
  index: string;
  /** The last accepted source line (empty when sources are not stored). */
  source: string;
  /** How many times an operation for this `_id` was accepted: above 1 means a duplicate delivery. */
  count: number;
}

/** The item counters `indexBulk` keeps. */
export interface ItemCounters {
  items: number;
  accepted: number;
  failedItems: number;
  conflicts: number;
  duplicates: number;
}

export interface IndexingState {
  readonly docs: Map<string, StoredDoc>;
  readonly counters: ItemCounters;
  readonly storeSources: boolean;
  /** Decides whether a `fail-items` item fails (its predicate, else the seeded fraction). */
  readonly shouldFail: (mode: Extract<BulkServerMode, { kind: 'fail-items' }>, item: BulkItemInfo) => boolean;
}

/**
 * Indexes a `_bulk` body as Elasticsearch would, into `state.docs`, failing the items `mode` says.
 * Returns the answer (`lost-response` stores the items and destroys the socket instead) and the
 * number of items. A body that does not parse is answered 400 and indexes nothing.
 */
export function indexBulk(
  body: string,
  route: Extract<Route, { kind: 'bulk' }>,
  mode: Extract<BulkServerMode, { kind: 'ok' | 'fail-items' | 'lost-response' }>,
  state: IndexingState,
  startedAtMs: number,
  nowMs: () => number,
): { answer: Answer; items: number } {
  let ops;
  try {
    ops = parseBulkBody(body);
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
    const id = op.id ?? generateDocumentId();
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
  const response = JSON.stringify(route.filterPath ? filterResponse(full, route.filterPath) : full);
  return { answer: { kind: 'json', status: 200, body: response }, items: ops.length };
}

/**
 * Elasticsearch's `filter_path`: keeps only the fields on the given dotted paths, where `*` matches
 * any key and arrays are walked through (`items.*.status` keeps each item's status). Objects left
 * empty are dropped, as Elasticsearch does.
 */
export function filterResponse(value: unknown, paths: readonly string[]): unknown {
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
  const out: Record<string, unknown> = {};
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
