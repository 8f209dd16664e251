import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';

/** The client's constructor options (the ESM entry point does not export the type by name). */
type ClientOptions = NonNullable<ConstructorParameters<typeof Client>[0]>;
import { createScope, type Scope, type TimerHandle } from '@heapwise/lifecycle';
import { SHIPPER_DEFAULTS } from '../limits.js';
import { createIndexNamer, type IndexOption } from './index-name.js';
import { RecordQueue, type BufferedRecord } from './record-queue.js';
import type { DropEvent, DropReason, ShipperStats } from './stats.js';

export interface ElasticsearchShipperOptions {
  /** Elasticsearch URL(s), when no `client` is given. */
  node?: string | string[];
  /**
   * A client of yours (auth, TLS, cloud id …). It is not closed by `close()`. Requests are sent with
   * `maxRetries: 0` so that the accounting stays exact; turn sniffing off on it yourself.
   */
  client?: Client;
  /** Extra options for the client built from `node` (auth, tls, …). Retries and sniffing stay off. */
  clientOptions?: Omit<ClientOptions, 'node' | 'nodes'>;
  index?: IndexOption;
  op?: 'index' | 'create';
  assignIds?: boolean;
  maxBufferedItems?: number;
  maxBufferedBytes?: number;
  maxRecordBytes?: number;
  purgeRatio?: number;
  maxAgeMs?: number;
  maxBatchSize?: number;
  maxBatchBytes?: number;
  maxProcessingMs?: number;
  flushIntervalMs?: number;
  requestTimeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  closeDeadlineMs?: number;
  /** Called for every drop (aggregated per event for overflow, expired and shutdown). Must not throw; if it does, it is ignored. */
  onDrop?: (event: DropEvent) => void;
  /** Called with request-level failures and internal errors. The `error` event fires too, when listened to. */
  onError?: (error: unknown) => void;
}

type ResolvedOptions = Required<
  Omit<ElasticsearchShipperOptions, 'node' | 'client' | 'clientOptions' | 'onDrop' | 'onError'>
>;

/** Outcome of one `_bulk` round trip, for the pass loop. */
type SendOutcome = 'done' | 'backoff' | 'again';

const RETRYABLE_REQUEST_STATUSES = new Set([401, 403, 408, 429]);

/**
 * A pino destination that ships lines to Elasticsearch's `_bulk` API with a bounded buffer.
 * `write()` only queues (it never waits for the network); passes run from an unref'd timer owned by
 * a lifecycle scope, one at a time.
 */
export class ElasticsearchShipper extends EventEmitter {
  readonly #options: ResolvedOptions;
  readonly #client: Client;
  readonly #onDrop: ((event: DropEvent) => void) | undefined;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #indexName: (writtenAtMs: number) => string;
  readonly #scope: Scope;
  readonly #queue = new RecordQueue();
  /** The batch of the request in flight: counted as buffered until its answer is read. */
  #inFlight: BufferedRecord[] = [];
  #inFlightBytes = 0;
  #abort: AbortController | undefined;

  #produced = 0;
  #shipped = 0;
  readonly #dropped: Record<DropReason, number> = { overflow: 0, expired: 0, rejected: 0, too_large: 0, shutdown: 0 };
  #retries = 0;
  #failedRequests = 0;

  #timer: TimerHandle | undefined;
  #timerDueMs = 0;
  #running: Promise<void> | undefined;
  #consecutiveFailures = 0;
  #backoffUntilMs = 0;
  /** Shrinks on 413 (halving), grows back on success (doubling) up to maxBatchSize. */
  #batchLimit: number;
  #closing = false;
  #closePromise: Promise<ShipperStats> | undefined;
  #warnedUnheardError = false;
  readonly #idPrefix = randomBytes(9).toString('base64url');
  #idSequence = 0;
  #actionIndex = '';
  #actionPrefix = '';

  constructor(options: ElasticsearchShipperOptions = {}) {
    super();
    this.#options = resolveOptions(options);
    this.#onDrop = options.onDrop;
    this.#onError = options.onError;
    this.#indexName = createIndexNamer(this.#options.index);
    this.#batchLimit = this.#options.maxBatchSize;
    this.#scope = createScope('elasticsearch-shipper');
    if (options.client) {
      this.#client = options.client;
    } else {
      if (options.node === undefined)
        throw new TypeError('createElasticsearchShipper: give `node` (an Elasticsearch URL) or `client`');
      this.#client = new Client({
        ...options.clientOptions,
        node: options.node,
        // Our accounting must see every attempt: no retries, no sniffing inside the client.
        maxRetries: 0,
        sniffOnStart: false,
        sniffInterval: false,
        sniffOnConnectionFault: false,
        requestTimeout: this.#options.requestTimeoutMs,
      });
      this.#scope.adopt(this.#client, (client) => client.close(), 'elasticsearch-client');
    }
  }

  /**
   * Queues one or more newline-separated records. Never throws, never waits; returns true like a
   * stream that wants more (backpressure is handled by dropping, counted, not by the caller).
   */
  write(chunk: string | Uint8Array): boolean {
    try {
      const text =
        typeof chunk === 'string'
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
      const nowMs = Date.now();
      let start = 0;
      while (start < text.length) {
        let end = text.indexOf('\n', start);
        if (end === -1) end = text.length;
        if (end > start) {
          // The common case (one pino line ending with \n) stores the caller's string as is.
          const line = start === 0 && end === text.length - 1 ? text : `${text.slice(start, end)}\n`;
          this.#accept(line, nowMs);
        }
        start = end + 1;
      }
    } catch (error) {
      this.#reportError(error);
    }
    return true;
  }

  /** A snapshot of the accounting (see `ShipperStats`). */
  stats(): ShipperStats {
    return {
      produced: this.#produced,
      shipped: this.#shipped,
      buffered: this.#queue.length + this.#inFlight.length,
      bufferedBytes: this.#queue.bytes + this.#inFlightBytes,
      dropped: { ...this.#dropped },
      retries: this.#retries,
      failedRequests: this.#failedRequests,
    };
  }

  /**
   * Ships what is buffered, waiting at most `deadlineMs`. Resolves true when nothing is left.
   * pino's `logger.flush(cb)` calls it with a callback: that works too. Never rejects.
   */
  flush(deadlineMs?: number | ((error?: Error) => void)): Promise<boolean> {
    const callback = typeof deadlineMs === 'function' ? deadlineMs : undefined;
    const limitMs = typeof deadlineMs === 'number' ? deadlineMs : this.#options.closeDeadlineMs;
    const deadlineAtMs = Date.now() + Math.max(0, limitMs);
    // A timer pass already in flight may hold a request longer than this deadline: do not wait for it.
    const done = raceWithTimeout(this.#flushUntil(deadlineAtMs), limitMs).then(
      () => this.#queue.length + this.#inFlight.length === 0,
      (error: unknown) => {
        this.#reportError(error);
        return false;
      },
    );
    if (callback) void done.then(() => callback());
    return done;
  }

  /**
   * Ships what it can within `deadlineMs`, then aborts the request in flight, drops what is left
   * (counted as `shutdown`), closes the client it built and clears its timers. Idempotent: a second
   * call returns the first call's promise. Never rejects. Resolves with the final stats.
   */
  close(deadlineMs: number = this.#options.closeDeadlineMs): Promise<ShipperStats> {
    this.#closePromise ??= this.#closeOnce(Math.max(0, deadlineMs));
    return this.#closePromise;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  get closed(): boolean {
    return this.#closing;
  }

  // ---- buffering -------------------------------------------------------------------------------

  #accept(line: string, nowMs: number): void {
    this.#produced++;
    if (this.#closing) {
      this.#drop('shutdown', 1);
      return;
    }
    const bytes = Buffer.byteLength(line, 'utf8');
    if (bytes > this.#options.maxRecordBytes) {
      this.#drop('too_large', 1, { line: line.slice(0, 1024) });
      return;
    }
    this.#queue.push({ line, bytes, writtenAtMs: nowMs, id: undefined });
    this.#enforceBounds();
    this.#scheduleAfterWrite();
  }

  /** On overflow, drops the oldest queued records until both caps have `purgeRatio` free. */
  #enforceBounds(): void {
    const { maxBufferedItems, maxBufferedBytes, purgeRatio } = this.#options;
    const items = this.#queue.length + this.#inFlight.length;
    const bytes = this.#queue.bytes + this.#inFlightBytes;
    if (items <= maxBufferedItems && bytes <= maxBufferedBytes) return;
    const targetItems = Math.floor(maxBufferedItems * (1 - purgeRatio));
    const targetBytes = Math.floor(maxBufferedBytes * (1 - purgeRatio));
    let dropped = 0;
    while (
      this.#queue.length > 0 &&
      (this.#queue.length + this.#inFlight.length > targetItems ||
        this.#queue.bytes + this.#inFlightBytes > targetBytes)
    ) {
      this.#queue.shift();
      dropped++;
    }
    if (dropped > 0) this.#drop('overflow', dropped);
  }

  #drop(reason: DropReason, count: number, detail: Omit<DropEvent, 'reason' | 'count'> = {}): void {
    this.#dropped[reason] += count;
    this.#notifyDrop({ reason, count, ...detail });
  }

  /** Call only once the accounting is complete: onDrop may read stats(). */
  #notifyDrop(event: DropEvent): void {
    if (!this.#onDrop) return;
    try {
      this.#onDrop(event);
    } catch {
      // A throwing onDrop must not break the accounting or the caller's log call.
    }
  }

  // ---- scheduling ------------------------------------------------------------------------------

  #scheduleAfterWrite(): void {
    if (this.#running || this.#closing) return;
    const full = this.#queue.length >= this.#batchLimit || this.#queue.bytes >= this.#options.maxBatchBytes;
    this.#schedule(full ? 0 : this.#options.flushIntervalMs);
  }

  /** One timer at most; a sooner need replaces it, but never sooner than the backoff allows. */
  #schedule(delayMs: number): void {
    if (this.#closing) return;
    const nowMs = Date.now();
    const dueMs = Math.max(nowMs + delayMs, this.#backoffUntilMs);
    if (this.#timer && this.#timerDueMs <= dueMs) return;
    this.#timer?.clear();
    this.#timerDueMs = dueMs;
    this.#timer = this.#scope.setTimeout(
      () => {
        this.#timer = undefined;
        void this.#runPass(Date.now() + this.#options.maxProcessingMs).then(() => this.#scheduleAfterPass());
      },
      dueMs - nowMs,
      'shipper pass',
    );
  }

  #scheduleAfterPass(): void {
    if (this.#closing || this.#running || this.#queue.length === 0) return;
    const full = this.#queue.length >= this.#batchLimit || this.#queue.bytes >= this.#options.maxBatchBytes;
    // A pass that hit maxProcessingMs yields to the event loop, then goes on.
    this.#schedule(full ? 0 : this.#options.flushIntervalMs);
  }

  /** Runs one pass, after the one running (never two at once). Never rejects. */
  async #runPass(deadlineMs: number, callerDeadlineMs?: number): Promise<void> {
    while (this.#running) await this.#running;
    this.#running = this.#pass(deadlineMs, callerDeadlineMs)
      .catch((error: unknown) => this.#reportError(error))
      .finally(() => {
        this.#running = undefined;
      });
    await this.#running;
  }

  /**
   * Sends batches until the queue is empty, a failure asks for backoff, or `deadlineMs` passed (no
   * new request starts after it). A request keeps its full requestTimeoutMs, except under a
   * caller's deadline (flush/close): cutting requests short to fit a pass would time out requests
   * Elasticsearch is about to accept, and each such retry is a second delivery.
   */
  async #pass(deadlineMs: number, callerDeadlineMs: number | undefined): Promise<void> {
    while (this.#queue.length > 0) {
      const nowMs = Date.now();
      if (nowMs >= deadlineMs || nowMs < this.#backoffUntilMs) return;
      const batch = this.#takeBatch(nowMs);
      if (batch.length === 0) continue;
      const timeoutMs =
        callerDeadlineMs === undefined
          ? this.#options.requestTimeoutMs
          : Math.min(this.#options.requestTimeoutMs, callerDeadlineMs - nowMs);
      const outcome = await this.#send(batch, timeoutMs);
      if (outcome === 'backoff') return;
    }
  }

  async #flushUntil(deadlineMs: number): Promise<boolean> {
    while (this.#queue.length + this.#inFlight.length > 0) {
      const nowMs = Date.now();
      if (nowMs >= deadlineMs) break;
      if (nowMs < this.#backoffUntilMs) {
        await sleep(Math.min(this.#backoffUntilMs, deadlineMs) - nowMs);
        continue;
      }
      await this.#runPass(Math.min(deadlineMs, nowMs + this.#options.maxProcessingMs), deadlineMs);
    }
    return this.#queue.length + this.#inFlight.length === 0;
  }

  /** Takes up to batchLimit records and maxBatchBytes (at least one record); expires old ones. */
  #takeBatch(nowMs: number): BufferedRecord[] {
    const oldestAllowedMs = nowMs - this.#options.maxAgeMs;
    const batch: BufferedRecord[] = [];
    let bytes = 0;
    let expired = 0;
    for (let record = this.#queue.peek(); record !== undefined; record = this.#queue.peek()) {
      if (record.writtenAtMs < oldestAllowedMs) {
        this.#queue.shift();
        expired++;
        continue;
      }
      if (batch.length >= this.#batchLimit) break;
      if (batch.length > 0 && bytes + record.bytes > this.#options.maxBatchBytes) break;
      this.#queue.shift();
      batch.push(record);
      bytes += record.bytes;
    }
    // Moved from queue to in flight in the same tick: the identity holds throughout.
    this.#inFlight = batch;
    this.#inFlightBytes = bytes;
    if (expired > 0) this.#drop('expired', expired);
    return batch;
  }

  // ---- sending ---------------------------------------------------------------------------------

  #buildBody(batch: readonly BufferedRecord[]): string {
    const { op, assignIds } = this.#options;
    const parts: string[] = new Array<string>(batch.length * 2);
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i] as BufferedRecord;
      const index = this.#indexName(record.writtenAtMs);
      if (index !== this.#actionIndex) {
        this.#actionIndex = index;
        this.#actionPrefix = `{"${op}":{"_index":${JSON.stringify(index)}`;
      }
      if (assignIds) {
        record.id ??= this.#idPrefix + (this.#idSequence++).toString(36);
        parts[i * 2] = `${this.#actionPrefix},"_id":"${record.id}"}}\n`;
      } else {
        parts[i * 2] = `${this.#actionPrefix}}}\n`;
      }
      parts[i * 2 + 1] = record.line;
    }
    return parts.join('');
  }

  async #send(batch: BufferedRecord[], timeoutMs: number): Promise<SendOutcome> {
    const body = this.#buildBody(batch);
    const controller = new AbortController();
    this.#abort = controller;
    let response: unknown;
    try {
      response = await this.#client.bulk(
        // A pre-built NDJSON string goes out as is (the transport only serializes non-strings).
        { operations: body as unknown as [] },
        { requestTimeout: Math.max(1, timeoutMs), maxRetries: 0, signal: controller.signal },
      );
    } catch (error) {
      return this.#requestFailed(batch, error);
    } finally {
      this.#abort = undefined;
    }
    return this.#readItems(batch, response);
  }

  #readItems(batch: BufferedRecord[], response: unknown): SendOutcome {
    const items = (response as { items?: unknown } | null)?.items;
    if (!Array.isArray(items) || items.length !== batch.length) {
      return this.#requestFailed(
        batch,
        new Error(
          `unexpected _bulk answer: ${items === undefined ? 'no items' : `${Array.isArray(items) ? items.length : typeof items} items for ${batch.length} records`}`,
        ),
      );
    }
    const retry: BufferedRecord[] = [];
    let shipped = 0;
    let rejected = 0;
    const rejections: DropEvent[] = [];
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i] as BufferedRecord;
      const result = firstValue(items[i]);
      const status = typeof result?.status === 'number' ? result.status : 0;
      if (
        (status >= 200 && status < 300) ||
        (status === 409 && this.#options.op === 'create' && this.#options.assignIds)
      ) {
        // 409 on `create` with an id we assigned: an earlier attempt whose answer was lost landed.
        shipped++;
      } else if (status === 429 || status >= 500 || status === 0) {
        retry.push(record);
      } else {
        rejected++;
        rejections.push({ reason: 'rejected', count: 1, line: record.line, status, error: result?.error });
      }
    }
    // Resolve the whole batch in one tick so stats() never sees a record twice or not at all.
    this.#inFlight = [];
    this.#inFlightBytes = 0;
    this.#shipped += shipped;
    if (retry.length > 0) {
      this.#retries += retry.length;
      this.#queue.unshiftAll(retry);
    }
    this.#dropped.rejected += rejected;
    if (retry.length > 0) this.#enforceBounds();
    for (const event of rejections) this.#notifyDrop(event);
    if (retry.length > 0) {
      this.#backOff();
      return 'backoff';
    }
    this.#succeeded();
    return 'done';
  }

  #requestFailed(batch: BufferedRecord[], error: unknown): SendOutcome {
    this.#inFlight = [];
    this.#inFlightBytes = 0;
    const name = (error as { name?: unknown } | null)?.name;
    const status = (error as { meta?: { statusCode?: unknown } } | null)?.meta?.statusCode;
    if (name === 'RequestAbortedError' || this.#closing) {
      // Aborted by close(): back to the queue, close() drops it as shutdown.
      this.#queue.unshiftAll(batch);
      return 'backoff';
    }
    this.#failedRequests++;
    if (name === 'ResponseError' && status === 413) {
      if (batch.length === 1) {
        const record = batch[0] as BufferedRecord;
        this.#drop('too_large', 1, { line: record.line.slice(0, 1024), status: 413 });
        return 'done';
      }
      // Too big for a proxy or http.max_content_length: halve the batch and go on at once.
      this.#batchLimit = Math.max(1, Math.floor(batch.length / 2));
      this.#retries += batch.length;
      this.#queue.unshiftAll(batch);
      this.#enforceBounds();
      return 'again';
    }
    if (
      name === 'ResponseError' &&
      typeof status === 'number' &&
      status >= 400 &&
      status < 500 &&
      !RETRYABLE_REQUEST_STATUSES.has(status)
    ) {
      // The request itself is wrong (400, 404 …): sending it again cannot succeed.
      this.#dropped.rejected += batch.length;
      for (const record of batch)
        this.#notifyDrop({ reason: 'rejected', count: 1, line: record.line, status, error: describeError(error) });
      this.#reportError(error);
      return 'done';
    }
    // Refused, reset, timeout, hung, 429/5xx, 401/403 (config), unreadable answer: try again later.
    this.#retries += batch.length;
    this.#queue.unshiftAll(batch);
    this.#enforceBounds();
    this.#backOff();
    this.#reportError(error);
    return 'backoff';
  }

  #backOff(): void {
    this.#consecutiveFailures++;
    const { minBackoffMs, maxBackoffMs } = this.#options;
    const ceilingMs = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(this.#consecutiveFailures - 1, 30));
    // Equal jitter: at least half the delay, so a storm of clients does not retry in step.
    const delayMs = ceilingMs / 2 + Math.random() * (ceilingMs / 2);
    this.#backoffUntilMs = Date.now() + delayMs;
  }

  #succeeded(): void {
    this.#consecutiveFailures = 0;
    this.#backoffUntilMs = 0;
    if (this.#batchLimit < this.#options.maxBatchSize)
      this.#batchLimit = Math.min(this.#options.maxBatchSize, this.#batchLimit * 2);
  }

  // ---- errors and shutdown ---------------------------------------------------------------------

  #reportError(error: unknown): void {
    let heard = false;
    if (this.#onError) {
      heard = true;
      try {
        this.#onError(error);
      } catch {
        // ignored: reporting must not throw into a pass or a log call
      }
    }
    if (this.listenerCount('error') > 0) {
      heard = true;
      try {
        this.emit('error', error);
      } catch {
        // ignored, as above
      }
    }
    if (!heard && !this.#warnedUnheardError) {
      // Once per shipper: nobody listens, so say it somewhere rather than stay silent (stats() counts the rest).
      this.#warnedUnheardError = true;
      process.emitWarning(
        `elasticsearch shipper: ${describeError(error)} (further errors are counted in stats(); pass onError to see them)`,
      );
    }
  }

  async #closeOnce(deadlineMs: number): Promise<ShipperStats> {
    const deadlineAtMs = Date.now() + deadlineMs;
    try {
      this.#timer?.clear();
      this.#timer = undefined;
      // Ship within the deadline; a pass already running counts against it too.
      await raceWithTimeout(this.#flushUntil(deadlineAtMs), deadlineMs);
      this.#closing = true;
      this.#abort?.abort();
      // The aborted request settles at once; bound the wait anyway.
      if (this.#running) await raceWithTimeout(this.#running, ABORT_SETTLE_MS);
      const left = this.#queue.length + this.#inFlight.length;
      this.#queue.clear();
      this.#inFlight = [];
      this.#inFlightBytes = 0;
      if (left > 0) this.#drop('shutdown', left);
      const report = await this.#scope.close(Math.max(1_000, deadlineAtMs - Date.now()));
      for (const error of report.errors) this.#reportError(error);
    } catch (error) {
      this.#reportError(error);
    } finally {
      this.#closing = true;
    }
    return this.stats();
  }
}

/** Creates the shipper; see `ElasticsearchShipperOptions` and `SHIPPER_DEFAULTS`. */
export function createElasticsearchShipper(options: ElasticsearchShipperOptions = {}): ElasticsearchShipper {
  return new ElasticsearchShipper(options);
}

function resolveOptions(options: ElasticsearchShipperOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    index: options.index ?? SHIPPER_DEFAULTS.index,
    op: options.op ?? SHIPPER_DEFAULTS.op,
    assignIds: options.assignIds ?? SHIPPER_DEFAULTS.assignIds,
    maxBufferedItems: options.maxBufferedItems ?? SHIPPER_DEFAULTS.maxBufferedItems,
    maxBufferedBytes: options.maxBufferedBytes ?? SHIPPER_DEFAULTS.maxBufferedBytes,
    maxRecordBytes: options.maxRecordBytes ?? SHIPPER_DEFAULTS.maxRecordBytes,
    purgeRatio: options.purgeRatio ?? SHIPPER_DEFAULTS.purgeRatio,
    maxAgeMs: options.maxAgeMs ?? SHIPPER_DEFAULTS.maxAgeMs,
    maxBatchSize: options.maxBatchSize ?? SHIPPER_DEFAULTS.maxBatchSize,
    maxBatchBytes: options.maxBatchBytes ?? SHIPPER_DEFAULTS.maxBatchBytes,
    maxProcessingMs: options.maxProcessingMs ?? SHIPPER_DEFAULTS.maxProcessingMs,
    flushIntervalMs: options.flushIntervalMs ?? SHIPPER_DEFAULTS.flushIntervalMs,
    requestTimeoutMs: options.requestTimeoutMs ?? SHIPPER_DEFAULTS.requestTimeoutMs,
    minBackoffMs: options.minBackoffMs ?? SHIPPER_DEFAULTS.minBackoffMs,
    maxBackoffMs: options.maxBackoffMs ?? SHIPPER_DEFAULTS.maxBackoffMs,
    closeDeadlineMs: options.closeDeadlineMs ?? SHIPPER_DEFAULTS.closeDeadlineMs,
  };
  for (const key of [
    'maxBufferedItems',
    'maxBufferedBytes',
    'maxRecordBytes',
    'maxBatchSize',
    'maxBatchBytes',
    'maxProcessingMs',
    'requestTimeoutMs',
    'maxAgeMs',
  ] as const) {
    const value = resolved[key];
    if (!(Number.isFinite(value) && value > 0))
      throw new RangeError(`createElasticsearchShipper: ${key} must be a positive number, got ${String(value)}`);
  }
  if (!(resolved.purgeRatio > 0 && resolved.purgeRatio <= 1)) {
    throw new RangeError(
      `createElasticsearchShipper: purgeRatio must be in (0, 1], got ${String(resolved.purgeRatio)}`,
    );
  }
  if (resolved.op !== 'index' && resolved.op !== 'create')
    throw new RangeError(`createElasticsearchShipper: op must be 'index' or 'create'`);
  return resolved;
}

function firstValue(item: unknown): { status?: unknown; error?: unknown } | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  for (const key in item) return (item as Record<string, { status?: unknown; error?: unknown }>)[key];
  return undefined;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** How long close() waits for an aborted request to settle before dropping its records anyway. */
const ABORT_SETTLE_MS = 1_000;

/** Waits for `promise` at most `timeoutMs`; the timer is cleared either way (no handle left). */
async function raceWithTimeout(promise: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, timeoutMs)))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A wait that keeps the process alive on purpose: only flush()/close() use it, and their caller is
 * awaiting; it always ends by their deadline.
 */
function sleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, delayMs)));
}
