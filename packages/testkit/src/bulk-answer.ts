// The pure parts of the loopback server: where a request goes, how a mode answers it, and how a
// `_bulk` body is indexed. bulk-server.ts only reads sockets and writes what these decide.
import type { BulkItemInfo, BulkServerMode } from './bulk-modes.js';
import { BulkAnswerWriter } from './bulk-answer-json.js';
import {
  infoBody,
  itemError,
  parseBulkBody,
  requestErrorBody,
  sourceText,
  type ParsedBulkOp,
} from './bulk-protocol.js';

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
  /** The `_id` of an item whose action line has none (`generateDocumentId` in the server). */
  readonly newId: () => string;
}

/** What a `fail-items` predicate sees; the source line is decoded only if the predicate reads it. */
class ItemInfo implements BulkItemInfo {
  constructor(
    readonly op: 'index' | 'create',
    readonly index: string,
    readonly id: string | undefined,
    readonly position: number,
    private readonly body: Buffer,
    private readonly parsed: ParsedBulkOp,
  ) {}

  get source(): string {
    return sourceText(this.body, this.parsed) ?? '';
  }
}

/**
 * Indexes a `_bulk` body as Elasticsearch would, into `state.docs`, failing the items `mode` says.
 * Returns the answer (`lost-response` stores the items and destroys the socket instead) and the
 * number of items. A body that does not parse is answered 400 and indexes nothing.
 */
export function indexBulk(
  body: Buffer,
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
  // A lost response is never written.
  const answer = mode.kind === 'lost-response' ? undefined : new BulkAnswerWriter(route.filterPath);
  let errors = false;
  for (let position = 0; position < ops.length; position++) {
    const op = ops[position];
    const index = op.index ?? route.index;
    const opName = op.op;
    counters.items++;
    if ((opName !== 'index' && opName !== 'create') || index === undefined || op.sourceStart < 0) {
      errors = true;
      counters.failedItems++;
      const reason = index === undefined ? 'index is missing' : `testkit supports index and create, not [${opName}]`;
      answer?.error(opName, index ?? '', op.id ?? null, 400, 'illegal_argument_exception', reason);
      continue;
    }
    const id = op.id ?? state.newId();
    if (mode.kind === 'fail-items' && state.shouldFail(mode, new ItemInfo(opName, index, op.id, position, body, op))) {
      errors = true;
      counters.failedItems++;
      const { type, reason } = itemError(mode.status, index, id);
      answer?.error(opName, index, id, mode.status, type, reason);
      continue;
    }
    const existing = docs.get(id);
    if (existing && opName === 'create') {
      errors = true;
      counters.failedItems++;
      counters.conflicts++;
      const { type, reason } = itemError(409, index, id);
      answer?.error(opName, index, id, 409, type, reason);
      continue;
    }
    counters.accepted++;
    if (existing) {
      counters.duplicates++;
      existing.count++;
      existing.index = index;
      if (storeSources) existing.source = sourceText(body, op) ?? '';
      answer?.ok(opName, index, id, existing.count);
      continue;
    }
    docs.set(id, { id, index, source: storeSources ? (sourceText(body, op) ?? '') : '', count: 1 });
    answer?.ok(opName, index, id, 1);
  }
  if (answer === undefined) return { answer: { kind: 'destroy' }, items: ops.length };
  return {
    answer: { kind: 'json', status: 200, body: answer.finish(nowMs() - startedAtMs, errors) },
    items: ops.length,
  };
}
