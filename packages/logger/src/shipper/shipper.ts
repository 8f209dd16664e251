import { EventEmitter } from 'node:events';
import { createScope, type Scope, type TimerHandle } from '@heapwise/lifecycle';
import { backoffDelayMs } from './backoff.js';
import { buildBulkBody, documentId, documentSequence } from './bulk-body.js';
import { classifyRequestError, readBulkItems, type RequestFailure } from './bulk-response.js';
import { createIndexNamer } from './index-name.js';
import { checkNodes, resolveOptions, type ElasticsearchShipperOptions, type ResolvedOptions } from './options.js';
import { RecordQueue, type BufferedRecord } from './record-queue.js';
import { DROP_REASONS, type DropEvent, type DropReason, type ShipperStats } from './stats.js';
import { LineStore, lineOf } from './line-store.js';
import { clientTransport, loadClient, type BulkTransport } from './transport.js';
import { DiskSpool, type SpoolLoss } from './spool/disk-spool.js';

export type { ElasticsearchShipperOptions } from './options.js';

/** One `_bulk` request on its way: its records count as `buffered` until its answer is applied. */
interface InFlightRequest {
  readonly records: BufferedRecord[];
  readonly bytes: number;
  readonly controller: AbortController;
  /** Set by close() at its deadline: the records were counted as `shutdown`; a late answer changes nothing. */
  abandoned: boolean;
}

/**
 * A pino destination that ships lines to Elasticsearch's `_bulk` API with a bounded buffer.
 *
 * Every record is in exactly one place: the queue of fresh records, the retry queue (records put
 * back after a failure, all older than any fresh one), a request in flight, on disk only (with a
 * spool, while memory is full), or a counter (shipped or dropped by reason). Records move between
 * them only in synchronous code, so `stats()` adds up at every event-loop turn. `write()` only
 * queues; up to `maxConcurrentRequests` requests run at once, started from one unref'd timer (owned
 * by a lifecycle scope) and whenever a request settles.
 */
export class ElasticsearchShipper extends EventEmitter {
  readonly #options: ResolvedOptions;
  readonly #transport: BulkTransport;
  /** Where fresh records' lines are stored, and (apart, so that they do not pin fresh slabs) retried ones'. */
  readonly #lines = new LineStore();
  readonly #retryLines = new LineStore();
  readonly #onDrop: ((event: DropEvent) => void) | undefined;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #indexName: (writtenAtMs: number) => string;
  readonly #now: () => number;
  readonly #scope: Scope;

  readonly #queue = new RecordQueue();
  readonly #retryQueue = new RecordQueue();
  readonly #requests = new Set<InFlightRequest>();
  #inFlightItems = 0;
  #inFlightBytes = 0;

  #produced = 0;
  #shipped = 0;
  readonly #dropped = Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<DropReason, number>;
  #retries = 0;
  #failedRequests = 0;

  #timer: TimerHandle | undefined;
  #timerDueMs = 0;
  /** Requests that made no progress in a row (failed whole, or every item retryable). */
  #consecutiveFailures = 0;
  /** No request starts before this time (whole-request failures back off globally). */
  #backoffUntilMs = 0;
  /** Shrinks on 413 (halving), grows back on success (doubling) up to maxBatchSize. */
  #batchLimit: number;
  /** Pending flush()/close() calls: while any, partial batches go at once. */
  #flushing = 0;
  /** Called after every change of the buffer; flush() waits through them. */
  readonly #waiters = new Set<() => void>();
  #closed = false;
  #closePromise: Promise<ShipperStats> | undefined;
  #warnedUnheardError = false;
  readonly #spool: DiskSpool | undefined;
  #recovered = 0;
  /** Reading back found nothing that fits: not tried again before a request settles (no busy loop). */
  #readBackBlocked = false;
  /** Records held in memory at close() that are also on disk: they end in the spool, not lost. */
  #spooledAtClose = 0;
  // Web Crypto's global, not node:crypto: importing node:crypto adds ~0.8 MiB of RSS to importing
  // the logger (measured after pino, Node 20); the global loads it when a shipper first asks.
  readonly #idPrefix = Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(9))).toString('base64url');
  #idSequence = 0;

  constructor(options: ElasticsearchShipperOptions = {}) {
    super();
    this.#options = resolveOptions(options);
    this.#onDrop = options.onDrop;
    this.#onError = options.onError;
    this.#now = this.#options.now;
    this.#indexName = createIndexNamer(this.#options.index);
    this.#batchLimit = this.#options.maxBatchSize;
    this.#scope = createScope('elasticsearch-shipper');
    if (options.spool) {
      // A second live process on the same dir throws SpoolLockedError here: a configuration error.
      this.#spool = new DiskSpool(options.spool, {
        onLoss: (loss) => this.#spoolLost(loss),
        onFailure: (failure) => this.#reportError(new Error(`disk spool off, memory only from now on: ${failure}`)),
      });
      const spool = this.#spool;
      this.#scope.setInterval(() => this.#syncSpool(), spool.syncIntervalMs, 'spool-sync');
      this.#readBack();
      this.#schedule(this.#now());
    }
    if (options.client) {
      this.#transport = clientTransport(Promise.resolve(options.client), false);
    } else {
      const node = checkNodes(options.node);
      const client = loadClient(node, options.clientOptions, this.#options.requestTimeoutMs);
      this.#transport = clientTransport(client, true);
    }
    this.#scope.adopt(this.#transport, (transport) => transport.close(), 'elasticsearch-transport');
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
      const nowMs = this.#now();
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
      this.#schedule(nowMs);
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
      buffered: this.#buffered(),
      bufferedBytes: this.#bufferedBytes(),
      dropped: { ...this.#dropped },
      retries: this.#retries,
      failedRequests: this.#failedRequests,
      recovered: this.#recovered,
      spooled: (this.#spool?.spooledRecords ?? 0) + this.#spooledAtClose,
      spooledBytes: this.#spool?.totalBytes ?? 0,
      ...(this.#spool ? { spool: { failure: this.#spool.failure } } : {}),
    };
  }

  /**
   * Ships what is buffered, waiting at most `deadlineMs`. Resolves true when nothing is left.
   * pino's `logger.flush(cb)` calls it with a callback: that works too. Never rejects.
   */
  flush(deadlineMs?: number | ((error?: Error) => void)): Promise<boolean> {
    const callback = typeof deadlineMs === 'function' ? deadlineMs : undefined;
    const limitMs = typeof deadlineMs === 'number' ? deadlineMs : this.#options.closeDeadlineMs;
    const done = this.#flushWithin(Math.max(0, limitMs));
    if (callback) void done.then(() => callback());
    return done;
  }

  /**
   * Ships what it can within `deadlineMs`, then aborts the requests in flight, drops what is left
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
    return this.#closed;
  }

  // ---- buffering -------------------------------------------------------------------------------

  #buffered(): number {
    return this.#queue.length + this.#retryQueue.length + this.#inFlightItems;
  }

  #bufferedBytes(): number {
    return this.#queue.bytes + this.#retryQueue.bytes + this.#inFlightBytes;
  }

  #accept(line: string, nowMs: number): void {
    this.#produced++;
    if (this.#closed) {
      this.#drop('shutdown', 1);
      return;
    }
    const lines = this.#lines;
    const bytes = lines.store(line, this.#options.maxRecordBytes);
    if (bytes === -1) {
      this.#drop('too_large', 1, { line: line.slice(0, 1024) });
      return;
    }
    const record: BufferedRecord = {
      chunk: lines.chunk,
      offset: lines.offset,
      bytes,
      writtenAtMs: nowMs,
      id: undefined,
      attempts: 0,
      readyAtMs: 0,
      spoolSegment: undefined,
      idSequence: undefined,
    };
    const spool = this.#spool;
    if (spool !== undefined && spool.failure === undefined) {
      // Write-ahead: the record gets its _id now, so a copy shipped after a crash is the same document.
      record.idSequence = this.#idSequence++;
      const stored = { id: this.#idOf(record.idSequence), writtenAtMs: nowMs, line };
      if (!this.#fits(bytes)) {
        // Memory is full: the record waits on disk only (nothing in memory is pushed out). Refused
        // there too (drop_newest when full): the newest record is the one lost.
        if (spool.append(stored, true, record) === undefined) this.#drop('overflow', 1);
        return;
      }
      // Older records wait on disk: this one queues behind them, so reading back keeps write order.
      // The frame copies the line's bytes from the record's slab (`record` is where they are).
      if (spool.spilling && spool.append(stored, true, record) !== undefined) return;
      if (!spool.spilling && spool.writeAhead) record.spoolSegment = spool.append(stored, false, record);
    }
    this.#queue.push(record);
    this.#enforceBounds();
  }

  #fits(bytes: number): boolean {
    return (
      this.#buffered() < this.#options.maxBufferedItems &&
      this.#bufferedBytes() + bytes <= this.#options.maxBufferedBytes
    );
  }

  /**
   * On overflow, drops the oldest held records until both caps have `purgeRatio` free: the retry
   * queue first (its records are older than every fresh one), then the fresh queue. Records in
   * flight stay: their request's answer decides.
   */
  #enforceBounds(): void {
    const { maxBufferedItems, maxBufferedBytes, purgeRatio } = this.#options;
    if (this.#buffered() <= maxBufferedItems && this.#bufferedBytes() <= maxBufferedBytes) return;
    const targetItems = Math.floor(maxBufferedItems * (1 - purgeRatio));
    const targetBytes = Math.floor(maxBufferedBytes * (1 - purgeRatio));
    let dropped = 0;
    for (const queue of [this.#retryQueue, this.#queue]) {
      while (queue.length > 0 && (this.#buffered() > targetItems || this.#bufferedBytes() > targetBytes)) {
        const record = queue.shift();
        if (record) this.#release(record);
        dropped++;
      }
    }
    if (dropped > 0) this.#drop('overflow', dropped);
  }

  /** A record's `_id`: an earlier process's as it was read, else the number this process's is made of. */
  #idFor(record: BufferedRecord): number | string {
    if (record.id !== undefined) return record.id;
    // Kept as the number, not the string: about 50 bytes less per held record.
    record.idSequence ??= this.#idSequence++;
    return record.idSequence;
  }

  #idOf(sequence: number): string {
    return documentId(this.#idPrefix, sequence);
  }

  /** A record left the buffer for good (shipped, or dropped other than at shutdown): its spool copy can go. */
  #release(record: BufferedRecord): void {
    if (record.spoolSegment !== undefined) this.#spool?.ack(record.spoolSegment);
  }

  #syncSpool(): void {
    // A failure turns the spool off and is reported through its onFailure.
    this.#spool?.sync();
  }

  /** Records the spool lost for good: an earlier process's records seen for the first time count as recovered too. */
  #spoolLost(loss: SpoolLoss): void {
    const count = loss.spooled + loss.found;
    this.#recovered += loss.found;
    this.#drop(loss.reason, count);
  }

  /** True when records wait on disk and a `purgeRatio` share of both caps is free to read them into. */
  #canReadBack(): boolean {
    if (this.#spool?.spilling !== true || this.#readBackBlocked) return false;
    const { maxBufferedItems, maxBufferedBytes, purgeRatio } = this.#options;
    // Reading in large steps (one file read per step), not one record per freed slot.
    return (
      this.#buffered() <= maxBufferedItems * (1 - purgeRatio) &&
      this.#bufferedBytes() <= maxBufferedBytes * (1 - purgeRatio)
    );
  }

  /**
   * Records waiting on disk (this process's overflow, or an earlier process's records) join the
   * queue, oldest first, up to both caps: memory never holds more than the caps allow.
   */
  #readBack(): void {
    const spool = this.#spool;
    if (spool === undefined || !this.#canReadBack()) return;
    const { maxBufferedItems, maxBufferedBytes } = this.#options;
    for (;;) {
      const roomItems = maxBufferedItems - this.#buffered();
      const roomBytes = maxBufferedBytes - this.#bufferedBytes();
      if (roomItems <= 0 || roomBytes <= 0) return;
      const read = spool.readBack(roomItems, roomBytes, this.#buffered() === 0);
      if (read === undefined) {
        this.#readBackBlocked = spool.spilling;
        return;
      }
      const prefix = this.#idPrefix;
      const lines = this.#lines;
      for (const stored of read.records) {
        // This process's own `_id`s wait as the number they are made of (as before they were spooled).
        const sequence = read.earlier ? undefined : documentSequence(prefix, stored.id);
        const bytes = lines.store(stored.line, Infinity);
        this.#queue.push({
          chunk: lines.chunk,
          offset: lines.offset,
          bytes,
          writtenAtMs: stored.writtenAtMs,
          id: sequence === undefined ? stored.id : undefined,
          attempts: 0,
          readyAtMs: 0,
          spoolSegment: read.seq,
          idSequence: sequence,
        });
      }
      if (read.earlier) this.#recovered += read.records.length;
    }
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

  /**
   * Whether a request should start now: a retried record is due, a full batch is waiting, the
   * oldest fresh record has waited `flushIntervalMs`, or a flush is pending.
   */
  #hasWork(nowMs: number): boolean {
    const retry = this.#retryQueue.peek();
    if (retry !== undefined && retry.readyAtMs <= nowMs) return true;
    const fresh = this.#queue.peek();
    if (fresh === undefined) return false;
    return (
      this.#flushing > 0 ||
      this.#queue.length >= this.#batchLimit ||
      this.#queue.bytes >= this.#options.maxBatchBytes ||
      nowMs - fresh.writtenAtMs >= this.#options.flushIntervalMs
    );
  }

  /** Starts requests while a slot is free and there is work, then sets the timer for what waits. */
  #pump(): void {
    if (this.#closed) return this.#notifyWaiters();
    this.#readBack();
    const nowMs = this.#now();
    while (
      this.#requests.size < this.#options.maxConcurrentRequests &&
      nowMs >= this.#backoffUntilMs &&
      this.#hasWork(nowMs)
    ) {
      this.#startRequest(nowMs);
    }
    this.#schedule(nowMs);
    this.#notifyWaiters();
  }

  /** One timer at most, for the earliest moment new work is due; none while idle or all slots are busy. */
  #schedule(nowMs: number): void {
    if (this.#closed || this.#requests.size >= this.#options.maxConcurrentRequests) return;
    let dueMs = this.#canReadBack() ? nowMs : Infinity;
    const retry = this.#retryQueue.peek();
    if (retry !== undefined) dueMs = retry.readyAtMs;
    const fresh = this.#queue.peek();
    if (fresh !== undefined) {
      const full = this.#queue.length >= this.#batchLimit || this.#queue.bytes >= this.#options.maxBatchBytes;
      dueMs = Math.min(dueMs, full || this.#flushing > 0 ? nowMs : fresh.writtenAtMs + this.#options.flushIntervalMs);
    }
    if (dueMs === Infinity) return;
    dueMs = Math.max(dueMs, this.#backoffUntilMs, nowMs);
    if (this.#timer && this.#timerDueMs <= dueMs) return;
    this.#timer?.clear();
    this.#timerDueMs = dueMs;
    this.#timer = this.#scope.setTimeout(
      () => {
        this.#timer = undefined;
        this.#pump();
      },
      dueMs - nowMs,
      'shipper',
    );
  }

  /**
   * Takes one batch (due retries first, then fresh records; up to batchLimit records and
   * maxBatchBytes, at least one) and starts its request. Records older than maxAgeMs met on the
   * way are dropped as expired. The batch moves from the queues to in flight in this same tick.
   */
  #startRequest(nowMs: number): void {
    // Records leave memory here (sent or expired): a read-back that found no room may try again.
    this.#readBackBlocked = false;
    const oldestAllowedMs = nowMs - this.#options.maxAgeMs;
    const batch: BufferedRecord[] = [];
    let bytes = 0;
    let expired = 0;
    for (const queue of [this.#retryQueue, this.#queue]) {
      for (let record = queue.peek(); record !== undefined; record = queue.peek()) {
        if (record.writtenAtMs < oldestAllowedMs) {
          queue.shift();
          this.#release(record);
          expired++;
          continue;
        }
        if (record.readyAtMs > nowMs || batch.length >= this.#batchLimit) break;
        if (batch.length > 0 && bytes + record.bytes > this.#options.maxBatchBytes) break;
        queue.shift();
        batch.push(record);
        bytes += record.bytes;
      }
    }
    const built = buildBulkBody(batch, {
      op: this.#options.op,
      assignIds: this.#options.assignIds,
      indexName: this.#indexName,
      idPrefix: this.#idPrefix,
      idOf: (record) => this.#idFor(record),
    });
    this.#dropped.expired += expired;
    this.#dropped.rejected += built.failed.length;
    for (const { record } of built.failed) this.#release(record);
    if (built.records.length > 0) {
      const request: InFlightRequest = {
        records: built.records,
        bytes: built.bytes,
        controller: new AbortController(),
        abandoned: false,
      };
      this.#requests.add(request);
      this.#inFlightItems += built.records.length;
      this.#inFlightBytes += built.bytes;
      void this.#send(request, built.body);
    }
    // The accounting is complete: now the callbacks.
    if (expired > 0) this.#notifyDrop({ reason: 'expired', count: expired });
    for (const { record, error } of built.failed)
      this.#notifyDrop({ reason: 'rejected', count: 1, line: lineOf(record), error: describeError(error) });
    if (built.failed.length > 0) this.#reportError(built.failed[0]?.error);
  }

  // ---- sending ---------------------------------------------------------------------------------

  /** Sends one request and applies its answer. Never rejects. */
  async #send(request: InFlightRequest, body: Buffer): Promise<void> {
    let response: unknown;
    let failure: { error: unknown } | undefined;
    try {
      response = await this.#transport.bulk(body, this.#options.requestTimeoutMs, request.controller.signal);
    } catch (error) {
      failure = { error };
    }
    try {
      this.#settle(request, response, failure);
    } catch (error) {
      this.#reportError(error);
    }
  }

  /** Applies a request's answer to the accounting in one step, then starts what can start. */
  #settle(request: InFlightRequest, response: unknown, failure: { error: unknown } | undefined): void {
    // close() gave up on it at its deadline and counted its records as shutdown.
    if (request.abandoned) return;
    this.#requests.delete(request);
    this.#readBackBlocked = false;
    this.#inFlightItems -= request.records.length;
    this.#inFlightBytes -= request.bytes;
    const nowMs = this.#now();
    if (failure) {
      this.#requestFailed(request.records, classifyRequestError(failure.error), failure.error, nowMs);
    } else {
      const outcome = readBulkItems(request.records, response, this.#options);
      if (outcome instanceof Error) {
        this.#requestFailed(request.records, 'retry', outcome, nowMs);
      } else {
        this.#shipped += outcome.shipped;
        this.#dropped.rejected += outcome.rejected.length;
        if (this.#spool !== undefined) {
          const retried = new Set(outcome.retry);
          for (const record of request.records) if (!retried.has(record)) this.#release(record);
        }
        const { minBackoffMs, maxBackoffMs, random } = this.#options;
        const retryLines = this.#retryLines;
        for (const record of outcome.retry) {
          // Its line moves out of the request's slabs, which it would otherwise keep alive alone.
          retryLines.copy(record.chunk, record.offset, record.bytes);
          record.chunk = retryLines.chunk;
          record.offset = retryLines.offset;
          // Each retried item waits its own backoff; fresh records keep flowing meanwhile.
          record.attempts++;
          record.readyAtMs = nowMs + backoffDelayMs(record.attempts, minBackoffMs, maxBackoffMs, random);
        }
        this.#retryQueue.pushAll(outcome.retry);
        this.#retries += outcome.retry.length;
        // Only a request that got nothing through says the cluster cannot take more.
        if (outcome.retry.length === request.records.length) this.#backOff(nowMs);
        else this.#madeProgress();
        for (const event of outcome.rejected) this.#notifyDrop(event);
      }
    }
    this.#pump();
  }

  #requestFailed(records: BufferedRecord[], failure: RequestFailure, error: unknown, nowMs: number): void {
    switch (failure) {
      case 'aborted':
        // Only close() aborts, and it abandons the request first; put the records back all the same.
        this.#retryQueue.unshiftAll(records);
        return;
      case 'too_large': {
        this.#failedRequests++;
        if (records.length === 1) {
          const record = records[0];
          this.#release(record);
          this.#drop('too_large', 1, { line: lineOf(record).slice(0, 1024), status: 413 });
          return;
        }
        // Too big for a proxy or http.max_content_length: halve the batch and go on at once.
        this.#batchLimit = Math.max(1, Math.min(this.#batchLimit, Math.floor(records.length / 2)));
        this.#retries += records.length;
        this.#retryQueue.unshiftAll(records);
        return;
      }
      case 'rejected': {
        // The request itself is wrong (400, 404 …): sending it again cannot succeed.
        this.#failedRequests++;
        this.#dropped.rejected += records.length;
        for (const record of records) this.#release(record);
        const status = (error as { meta?: { statusCode?: number } } | null)?.meta?.statusCode;
        for (const record of records)
          this.#notifyDrop({ reason: 'rejected', count: 1, line: lineOf(record), status, error: describeError(error) });
        this.#reportError(error);
        return;
      }
      case 'retry':
        // Refused, reset, timeout, hung, 429/5xx, 401/403 (config), unreadable answer: try again later.
        this.#failedRequests++;
        this.#retries += records.length;
        // At the head: due as soon as the global backoff ends, not behind a record's own delay.
        this.#retryQueue.unshiftAll(records);
        this.#backOff(nowMs);
        this.#reportError(error);
        return;
    }
  }

  #backOff(nowMs: number): void {
    this.#consecutiveFailures++;
    const { minBackoffMs, maxBackoffMs, random } = this.#options;
    const delayMs = backoffDelayMs(this.#consecutiveFailures, minBackoffMs, maxBackoffMs, random);
    this.#backoffUntilMs = Math.max(this.#backoffUntilMs, nowMs + delayMs);
  }

  #madeProgress(): void {
    this.#consecutiveFailures = 0;
    this.#backoffUntilMs = 0;
    if (this.#batchLimit < this.#options.maxBatchSize)
      this.#batchLimit = Math.min(this.#options.maxBatchSize, this.#batchLimit * 2);
  }

  #notifyWaiters(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** Resolves true once nothing is buffered, false at the deadline or when closed first. */
  /** True when nothing waits to be shipped: in memory, or on disk in a spool this process reads. */
  #drained(): boolean {
    return this.#buffered() === 0 && this.#spool?.spilling !== true;
  }

  #flushWithin(limitMs: number): Promise<boolean> {
    if (this.#drained()) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const finish = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        this.#waiters.delete(check);
        this.#flushing--;
        resolve(this.#drained());
      };
      const check = (): void => {
        if (this.#drained() || this.#closed) finish();
      };
      // Ref'd on purpose: the caller awaits this, and it always ends by the deadline.
      const deadline = setTimeout(finish, limitMs);
      this.#waiters.add(check);
      this.#flushing++;
      try {
        this.#pump();
      } catch (error) {
        this.#reportError(error);
      }
    });
  }

  // ---- errors and shutdown ---------------------------------------------------------------------

  #reportError(error: unknown): void {
    let heard = false;
    if (this.#onError) {
      heard = true;
      try {
        this.#onError(error);
      } catch {
        // ignored: reporting must not throw into a request or a log call
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
        `elasticsearch shipper: ${describeError(error)} ` +
          '(further errors are counted in stats(); pass onError to see them)',
      );
    }
  }

  async #closeOnce(deadlineMs: number): Promise<ShipperStats> {
    const startedAtMs = Date.now();
    try {
      await this.#flushWithin(deadlineMs);
      this.#closed = true;
      this.#timer?.clear();
      this.#timer = undefined;
      // Whatever is still held is dropped now, in one step. A request still unanswered is
      // abandoned: whether Elasticsearch stores it later or not, its records count as shutdown once.
      const left = this.#buffered();
      // With a spool, held records that are also on disk stay there for the next process: they
      // end as spooled, not lost. The rest are dropped as shutdown.
      const spool = this.#spool;
      spool?.close();
      if (spool !== undefined) {
        const onDisk = (record: BufferedRecord): boolean =>
          record.spoolSegment !== undefined && spool.holds(record.spoolSegment);
        for (const queue of [this.#queue, this.#retryQueue])
          for (const record of queue) if (onDisk(record)) this.#spooledAtClose++;
        for (const request of this.#requests)
          for (const record of request.records) if (onDisk(record)) this.#spooledAtClose++;
      }
      for (const request of this.#requests) {
        request.abandoned = true;
        request.controller.abort();
      }
      this.#requests.clear();
      this.#inFlightItems = 0;
      this.#inFlightBytes = 0;
      this.#queue.clear();
      this.#retryQueue.clear();
      const shutdown = left - this.#spooledAtClose;
      this.#dropped.shutdown += shutdown;
      if (shutdown > 0) this.#notifyDrop({ reason: 'shutdown', count: shutdown });
      this.#notifyWaiters();
      const report = await this.#scope.close(Math.max(1_000, startedAtMs + deadlineMs - Date.now()));
      for (const error of report.errors) this.#reportError(error);
    } catch (error) {
      this.#reportError(error);
    } finally {
      this.#closed = true;
    }
    return this.stats();
  }
}

/** Creates the shipper; see `ElasticsearchShipperOptions` and `SHIPPER_DEFAULTS`. */
export function createElasticsearchShipper(options: ElasticsearchShipperOptions = {}): ElasticsearchShipper {
  return new ElasticsearchShipper(options);
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
