/** One buffered record: the serialized line as the logger wrote it (never parsed again). */
export interface BufferedRecord {
  /** The line, always ending with `\n` (it is the source line of the `_bulk` body as is). */
  readonly line: string;
  /** UTF-8 bytes of `line`: what it adds to a request body, and an upper bound of its heap payload. */
  readonly bytes: number;
  /** `Date.now()` when written: expiry and the date in the index name use it. */
  readonly writtenAtMs: number;
  /** Assigned on the first send and kept, so a re-send is idempotent. */
  id: string | undefined;
  /** Times Elasticsearch answered this record's item with 429/5xx (whole-request failures do not count). */
  attempts: number;
  /** Not sent again before this time (its own backoff after an item-level failure); 0 = at once. */
  readyAtMs: number;
  /** The disk spool segment holding it (acknowledged when the record leaves the buffer), if any. */
  spoolSegment: number | undefined;
  /**
   * With a disk spool: the number its `_id` is made of, already written with it on disk (a number,
   * not the string, while it waits: the string is built when it is sent).
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
