/**
 * A fixed-capacity buffer that keeps the newest `capacity` items: O(1) `push`, the oldest item
 * overwritten once full, and a count of how many were evicted that way. For the "keep the last N"
 * pattern (recent errors, samples, events) where an unbounded array would grow for ever. For keyed
 * caches use `LRUCache` (re-exported from lru-cache), which bounds entries, size and age.
 */
export class RingBuffer<T> implements Iterable<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  /** Index of the oldest item. */
  #head = 0;
  #size = 0;
  #evicted = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`RingBuffer capacity must be a positive integer, got ${String(capacity)}`);
    }
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity);
  }

  /** Items held now (at most `capacity`). */
  get size(): number {
    return this.#size;
  }

  /** Items overwritten because the buffer was full, since it was created (`clear()` keeps it). */
  get evicted(): number {
    return this.#evicted;
  }

  push(item: T): void {
    if (this.#size < this.capacity) {
      this.#items[(this.#head + this.#size) % this.capacity] = item;
      this.#size += 1;
      return;
    }
    this.#items[this.#head] = item;
    this.#head = (this.#head + 1) % this.capacity;
    this.#evicted += 1;
  }

  /** The items, oldest first. */
  toArray(): T[] {
    const result = new Array<T>(this.#size);
    for (let i = 0; i < this.#size; i += 1) {
      result[i] = this.#items[(this.#head + i) % this.capacity] as T;
    }
    return result;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#size; i += 1) {
      yield this.#items[(this.#head + i) % this.capacity] as T;
    }
  }

  /** Drops every item (and the references to them). */
  clear(): void {
    this.#items = new Array<T | undefined>(this.capacity);
    this.#head = 0;
    this.#size = 0;
  }
}
