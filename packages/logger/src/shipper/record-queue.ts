/**
 * One buffered record: the serialized line as the logger wrote it (never parsed again), as UTF-8
 * bytes in a `LineStore` slab (see line-store.ts for why not a string).
 */
export interface BufferedRecord {
  /** The slab (or own buffer) holding the line, which always ends with `\n`: the `_bulk` source line as is. */
  chunk: Buffer;
  /** Where the line starts in `chunk`. */
  offset: number;
  /** UTF-8 bytes of the line: what it adds to a request body. */
  readonly bytes: number;
  /** `Date.now()` when written: expiry and the date in the index name use it. */
  readonly writtenAtMs: number;
  /**
   * An `_id` read from an earlier process's spool, sent as is. This process's records have none: their
   * `_id` is made from `idSequence` at each send (the same string every time, so a re-send is idempotent).
   */
  readonly id: string | undefined;
  /** Times Elasticsearch answered this record's item with 429/5xx (whole-request failures do not count). */
  attempts: number;
  /** Not sent again before this time (its own backoff after an item-level failure); 0 = at once. */
  readyAtMs: number;
  /** The disk spool segment holding it (acknowledged when the record leaves the buffer), if any. */
  spoolSegment: number | undefined;
  /**
   * The number this process's `_id` for the record is made of: assigned when it is written with a
   * disk spool (the `_id` is on disk with it), else on its first send; kept, never reassigned.
   */
  idSequence: number | undefined;
}

/**
 * A FIFO of records that can also take records back at its head (retries go first, in order).
 * A ring over a power-of-two array: push, shift and unshift are O(1), nothing is copied on shift.
 * Its size is bounded by the shipper (maxBufferedItems), not here.
 */
export class RecordQueue {
  #items: (BufferedRecord | undefined)[] = new Array<BufferedRecord | undefined>(16);
  #head = 0;
  #length = 0;
  #bytes = 0;

  get length(): number {
    return this.#length;
  }

  /** Sum of `bytes` of the queued records. */
  get bytes(): number {
    return this.#bytes;
  }

  push(record: BufferedRecord): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = record;
    this.#length++;
    this.#bytes += record.bytes;
  }

  pushAll(records: readonly BufferedRecord[]): void {
    for (const record of records) this.push(record);
  }

  /** Puts `records` back at the head, keeping their order (they are older than everything queued). */
  unshiftAll(records: readonly BufferedRecord[]): void {
    for (let i = records.length - 1; i >= 0; i--) {
      const record = records[i];
      if (this.#length === this.#items.length) this.#grow();
      this.#head = (this.#head - 1) & (this.#items.length - 1);
      this.#items[this.#head] = record;
      this.#length++;
      this.#bytes += record.bytes;
    }
  }

  peek(): BufferedRecord | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  shift(): BufferedRecord | undefined {
    if (this.#length === 0) return undefined;
    const record = this.#items[this.#head];
    // Clear the slot so the ring does not keep a shipped record's line alive.
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#length--;
    if (record) this.#bytes -= record.bytes;
    if (this.#length === 0) this.#shrinkWhenIdle();
    return record;
  }

  /** The queued records, head first (for counting; the queue must not change meanwhile). */
  *[Symbol.iterator](): IterableIterator<BufferedRecord> {
    for (let i = 0; i < this.#length; i++)
      yield this.#items[(this.#head + i) & (this.#items.length - 1)] as BufferedRecord;
  }

  clear(): void {
    this.#items = new Array<BufferedRecord | undefined>(16);
    this.#head = 0;
    this.#length = 0;
    this.#bytes = 0;
  }

  #grow(): void {
    const next = new Array<BufferedRecord | undefined>(this.#items.length * 2);
    for (let i = 0; i < this.#length; i++) next[i] = this.#items[(this.#head + i) & (this.#items.length - 1)];
    this.#items = next;
    this.#head = 0;
  }

  /** After a burst the ring would keep its peak size; give it back once empty. */
  #shrinkWhenIdle(): void {
    if (this.#items.length > 1024) this.#items = new Array<BufferedRecord | undefined>(16);
    this.#head = 0;
  }
}
