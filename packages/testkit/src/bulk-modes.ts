/** How the loopback `_bulk` server answers. Change it at any time with `server.setMode(mode)`. */
export type BulkServerMode =
  /** Answer like a healthy Elasticsearch; `delayMs` waits before answering each `_bulk` request. */
  | { kind: 'ok'; delayMs?: number }
  /** Stop listening and destroy open sockets: clients get ECONNREFUSED until the mode changes. */
  | { kind: 'refuse' }
  /** Keep listening but destroy every socket as soon as it connects (ECONNRESET / socket hang up). */
  | { kind: 'reset' }
  /** Accept and read requests, never answer (a hung server). */
  | { kind: 'stall' }
  /** Answer every `_bulk` request with this status for the whole request (429, 500, 502, 503, …). */
  | { kind: 'status'; status: number }
  /**
   * Answer 200 with `errors: true` and fail chosen items with `status` (429, 400, 500, …).
   * An item fails when `predicate` says so, else with probability `fraction` (default 1),
   * drawn from a seeded generator so runs repeat.
   */
  | { kind: 'fail-items'; status: number; fraction?: number; predicate?: (item: BulkItemInfo) => boolean }
  /**
   * Index the items as `ok` would, then destroy the socket instead of answering: the client sees a
   * reset although the documents are stored (a response lost on the way back).
   */
  | { kind: 'lost-response' }
  /** Answer 413 Request Entity Too Large with an empty body, as Elasticsearch's HTTP layer does. */
  | { kind: 'too-large' }
  /** Answer 200 with a JSON content type and a body that is not JSON. */
  | { kind: 'garbage' };

/** Shorthand for the modes that take no parameter. */
export type BulkServerModeName = 'ok' | 'refuse' | 'reset' | 'stall' | 'lost-response' | 'too-large' | 'garbage';

/** What a `fail-items` predicate sees about one item of a `_bulk` request. */
export interface BulkItemInfo {
  readonly op: 'index' | 'create';
  readonly index: string;
  /** The `_id` from the action line, or undefined when the server will assign one. */
  readonly id: string | undefined;
  /** The raw source line (not parsed; decoded from the request's bytes when read). */
  readonly source: string;
  /** 0-based position of the item in its request. */
  readonly position: number;
}

export function normalizeMode(mode: BulkServerMode | BulkServerModeName): BulkServerMode {
  return typeof mode === 'string' ? { kind: mode } : mode;
}

/** The `"seq":N` field a test record carries, read without parsing the line; -1 when there is none. */
const SEQ_FIELD = /"seq":(\d+)/;

/**
 * A busy cluster: the first attempt of every `every`-th record (by its `"seq"` field: seq % every
 * = 0) is answered 429, as Elasticsearch does when a write queue is briefly full; every retry
 * succeeds. `throttled` holds the seqs answered 429 so far.
 */
export function partial429Mode(every = 10): { mode: BulkServerMode; throttled: Set<number> } {
  const throttled = new Set<number>();
  const mode: BulkServerMode = {
    kind: 'fail-items',
    status: 429,
    predicate: (item) => {
      const match = SEQ_FIELD.exec(item.source);
      const seq = match ? Number(match[1]) : -1;
      if (seq < 0 || seq % every !== 0 || throttled.has(seq)) return false;
      throttled.add(seq);
      return true;
    },
  };
  return { mode, throttled };
}
