/**
 * Every limit of @heapwise/logger with its default, in one place. Each is also an option of the
 * function that uses it; the README's "Limits" table is this file.
 */

/** Defaults of `createElasticsearchShipper(options)`. */
export const SHIPPER_DEFAULTS = {
  /** Index name; `%{+yyyy.MM.dd}` (also `yy`, `HH`, `mm`) is the record's write time in UTC. */
  index: 'logs-%{+yyyy.MM.dd}',
  /** `_bulk` operation: `index`, or `create` (required by data streams). */
  op: 'index',
  /**
   * Give each record its own `_id` so that re-sending a batch whose answer was lost (timeout, reset,
   * garbage) overwrites instead of duplicating; with `create`, the 409 that follows counts as shipped.
   */
  assignIds: true,
  /**
   * Records held (queued, waiting for a retry, or in flight) before the oldest are dropped: a 15 s
   * outage at 2,000 records/s is 30,000 records; the rest is headroom for a burst on top.
   */
  maxBufferedItems: 32_000,
  /**
   * UTF-8 bytes of the records held (in Buffers outside the heap). 30,000 records of ~300 bytes are
   * 8.6 MiB. With the per-record overhead outside this cap (about 135 bytes, measured by
   * test/shipper-memory.test.ts) and two request bodies in flight (1,000 records × ~380 bytes with
   * their action lines, each), a full buffer costs at most 10 MiB + 32,000 × 135 B + 0.7 MiB ≈
   * 14.8 MiB of heap and Buffers.
   */
  maxBufferedBytes: 10 * 1024 * 1024,
  /** A single record above this many UTF-8 bytes is dropped as `too_large` when written. */
  maxRecordBytes: 1024 * 1024,
  /** Share of the item and byte caps freed on overflow, oldest records first. */
  purgeRatio: 0.2,
  /** A record older than this when a pass picks it up is dropped as `expired`. */
  maxAgeMs: 60 * 60 * 1000,
  /**
   * Records per `_bulk` request. Each request has a fixed cost (the client's request, the answer's
   * parse): 1,000 records of ~400 bytes (0.4 MB, well under Elasticsearch's advised 5–15 MB) cost
   * about half the CPU per record of 100, measured by `npm run bench:logger`.
   * A partial batch still goes after `flushIntervalMs`.
   */
  maxBatchSize: 1_000,
  /** UTF-8 bytes of records per `_bulk` request (Elasticsearch advises 5–15 MB requests). */
  maxBatchBytes: 5 * 1024 * 1024,
  /**
   * `_bulk` requests in flight at once: one batch on the wire while the next is answered or built.
   * More adds little on loopback (`npm run bench:logger` measures 1, 2 and 4), while each extra
   * request holds another batch and asks Elasticsearch for another write thread.
   */
  maxConcurrentRequests: 2,
  /** How long a record waits for more to fill a batch before it is shipped in a partial one. */
  flushIntervalMs: 1_000,
  /** Timeout of one `_bulk` request (under flush()/close() also bounded by their deadline). */
  requestTimeoutMs: 5_000,
  /**
   * First backoff after a failure; doubles with each consecutive failure … (globally after a request
   * that got nothing through; per record after an item-level 429/5xx)
   */
  minBackoffMs: 100,
  /** … up to this cap. The delay is drawn in [delay / 2, delay] (jitter). */
  maxBackoffMs: 30_000,
  /** Default deadline of `flush()` and `close()`. */
  closeDeadlineMs: 5_000,
} as const;

/** Defaults of redaction in `createLogger(options)`. */
export const REDACTION_DEFAULTS = {
  /** Keys whose values are censored at any depth (compared case-insensitively). */
  keys: [
    'authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'password',
    'passwd',
    'pass',
    'secret',
    'token',
    'accesstoken',
    'access_token',
    'refreshtoken',
    'refresh_token',
    'idtoken',
    'id_token',
    'apikey',
    'api_key',
    'x-api-key',
    'clientsecret',
    'client_secret',
    'privatekey',
    'private_key',
    'sessionid',
    'session_id',
    'creditcard',
    'cardnumber',
  ],
  /** The value written instead of a secret. */
  censor: '[Redacted]',
  /** Query parameters whose values are censored wherever a URL is logged (case-insensitive). */
  secretQueryParams: [
    'token',
    'access_token',
    'refresh_token',
    'id_token',
    'api_key',
    'apikey',
    'key',
    'password',
    'secret',
    'client_secret',
    'signature',
    'sig',
    'code',
    'auth',
  ],
  /** Objects deeper than this are written as the `truncated` marker, never unexamined. */
  maxDepth: 16,
  /**
   * Objects entered plus keys examined per log call (array elements that are not objects are free).
   * Past it the rest of the record is written as the `truncated` marker, never unexamined.
   */
  maxKeys: 2_000,
  /** What is written in place of what redaction could not examine. */
  markers: {
    truncated: '[Truncated]',
    circular: '[Circular]',
    unreadable: '[Unreadable]',
  },
} as const;

/** Defaults of the shipper's optional disk spool (`spool: { dir, … }`). */
export const SPOOL_DEFAULTS = {
  /** Sum of the spool directory's file sizes (segments and lock file), never exceeded. */
  maxBytes: 256 * 1024 * 1024,
  /** Appended records are written this often (then fsync'ed off the event loop): what a crash can lose (Vector's). */
  syncIntervalMs: 500,
  /** When full: delete the oldest segment (its records counted as overflow), or refuse the newest record. */
  whenFull: 'drop_oldest',
  /** Every record is appended (write-ahead), not only those memory cannot hold: a crash loses one sync interval. */
  writeAhead: true,
} as const;

/** Defaults of the HTTP logging middleware. */
export const HTTP_LOGGING_DEFAULTS = {
  /** Response bodies are captured (when asked) up to this many bytes; past it capture stops. */
  maxResponseBufferBytes: 10 * 1024 * 1024,
  /** Query parameters whose values are replaced in the logged URL: redaction's list. */
  secretQueryParams: REDACTION_DEFAULTS.secretQueryParams,
} as const;
