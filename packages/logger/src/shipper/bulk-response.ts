import { lineOf } from './line-store.js';
import type { BufferedRecord } from './record-queue.js';
import type { DropEvent } from './stats.js';

/**
 * The answer's fields `readBulkItems` reads, asked for with `filter_path`: Elasticsearch then sends
 * each item's status (and error, when it failed) instead of ~200 bytes of metadata per item, which
 * both sides would serialize and parse for nothing. `errors` comes first in the answer, as in
 * Elasticsearch's own field order: `recognizeAllAccepted` relies on it.
 */
export const BULK_FILTER_PATH = 'errors,items.*.status,items.*.error';

/** A `_bulk` answer in which every one of `items` items was accepted (2xx), known without parsing it. */
export class AllAccepted {
  constructor(readonly items: number) {}
}

/** `{"errors":false,"items":[` …items… `]}`: every item the same operation, each 200 or 201. */
const ALL_ACCEPTED =
  /^\{"errors":false,"items":\[\{"(index|create)":\{"status":20[01]\}\}(?:,\{"\1":\{"status":20[01]\}\})*\]\}$/;
const ALL_ACCEPTED_FRAME = '{"errors":false,"items":[]}'.length;

/**
 * Recognizes the filtered answer of a request whose items were all accepted, the common case, by its
 * exact text: one regular-expression test instead of `JSON.parse` building two objects per item
 * (0.3 ms for 1,000 items, about as much as building the request). Anything else (an item error,
 * another field order, whitespace) is undefined: parse it.
 */
export function recognizeAllAccepted(json: string): AllAccepted | undefined {
  const match = ALL_ACCEPTED.exec(json);
  if (match === null) return undefined;
  // Every item is `{"<op>":{"status":20x}}`, so their count follows from the length.
  const itemChars = `{"${match[1]}":{"status":200}}`.length;
  return new AllAccepted((json.length - ALL_ACCEPTED_FRAME + 1) / (itemChars + 1));
}

/** What one `_bulk` answer means for each record of its request. */
export interface ItemOutcome {
  /** Answered 2xx, or 409 on `create` with an id we assigned (an earlier attempt landed). */
  shipped: number;
  /** Answered 429 or 5xx: worth another attempt. */
  retry: BufferedRecord[];
  /** Answered another 4xx: sending again cannot succeed. One event per record. */
  rejected: DropEvent[];
}

/**
 * Reads a `_bulk` answer item by item. Returns an Error when the answer does not match the request
 * (no items, or a different count): then nothing is known about any item and the request failed whole.
 */
export function readBulkItems(
  records: readonly BufferedRecord[],
  response: unknown,
  options: { op: 'index' | 'create'; assignIds: boolean },
): ItemOutcome | Error {
  if (response instanceof AllAccepted) {
    if (response.items === records.length) return { shipped: records.length, retry: [], rejected: [] };
    return new Error(`unexpected _bulk answer: ${response.items} items for ${records.length} records`);
  }
  const items = (response as { items?: unknown } | null)?.items;
  if (!Array.isArray(items) || items.length !== records.length) {
    const got = items === undefined ? 'no items' : `${Array.isArray(items) ? items.length : typeof items} items`;
    return new Error(`unexpected _bulk answer: ${got} for ${records.length} records`);
  }
  const conflictShipped = options.op === 'create' && options.assignIds;
  const outcome: ItemOutcome = { shipped: 0, retry: [], rejected: [] };
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const result = firstValue(items[i]);
    const status = typeof result?.status === 'number' ? result.status : 0;
    if ((status >= 200 && status < 300) || (status === 409 && conflictShipped)) outcome.shipped++;
    else if (status === 429 || status >= 500 || status === 0) outcome.retry.push(record);
    else {
      const line = lineOf(record);
      outcome.rejected.push({ reason: 'rejected', count: 1, line, status, error: result?.error });
    }
  }
  return outcome;
}

/** How a request that failed as a whole is handled. */
export type RequestFailure =
  /** close() aborted it: its records are dropped as `shutdown` by close(). */
  | 'aborted'
  /** 413: the body is too big for Elasticsearch or a proxy; send smaller batches. */
  | 'too_large'
  /** Another 4xx (400, 404 …): the request itself is wrong, sending it again cannot succeed. */
  | 'rejected'
  /** Refused, reset, timed out, 429/5xx/401/403/408, unreadable answer: try again after backoff. */
  | 'retry';

const RETRYABLE_REQUEST_STATUSES = new Set([401, 403, 408, 429]);

/** Classifies an error thrown by the client's `bulk()` (its `name` and `meta.statusCode`). */
export function classifyRequestError(error: unknown): RequestFailure {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'RequestAbortedError') return 'aborted';
  const status = (error as { meta?: { statusCode?: unknown } } | null)?.meta?.statusCode;
  if (name !== 'ResponseError' || typeof status !== 'number') return 'retry';
  if (status === 413) return 'too_large';
  if (status >= 400 && status < 500 && !RETRYABLE_REQUEST_STATUSES.has(status)) return 'rejected';
  return 'retry';
}

function firstValue(item: unknown): { status?: unknown; error?: unknown } | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  for (const key in item) return (item as Record<string, { status?: unknown; error?: unknown }>)[key];
  return undefined;
}
