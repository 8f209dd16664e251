/**
 * Where buffered lines live: as UTF-8 bytes in shared slabs outside the JavaScript heap, not as
 * strings on it.
 *
 * Why: a line waits in the buffer until its `_bulk` answer arrives, which is long enough for the
 * young generation to copy it and then promote it; a busy logger then pays for copying every line
 * twice and for old-generation collections of lines that were already shipped. Encoded once when
 * written (the encoding the request needs anyway), a line costs the collector nothing, and a
 * request body is put together by copying bytes.
 */

/** Bytes per slab: about 75 lines of ~420 bytes. Small enough that a slab kept alive by one line wastes little. */
export const SLAB_BYTES = 32 * 1024;

/**
 * `Buffer#utf8Write(string, offset)`: what `buffer.write(string, offset)` calls after checking its
 * arguments, which costs more than the write itself for a line of a few hundred bytes. Present in
 * every Node release (undocumented; sonic-boom and protobufjs use it too).
 */
export type Utf8Writable = Buffer & { utf8Write(text: string, offset: number): number };

/** A line longer than this (in UTF-16 units) gets a buffer of its own instead of a slab's tail. */
const OWN_BUFFER_CHARS = SLAB_BYTES / 4;

/** The bytes of one stored line: `chunk[offset, offset + bytes)`. */
export interface StoredLine {
  chunk: Buffer;
  offset: number;
}

/**
 * Appends lines to the current slab and starts a new one when a line does not fit. A slab is never
 * written twice at the same place and is freed by the collector once no record points into it.
 * The unused tail of a slab is less than one line (a line longer than a quarter slab has its own
 * buffer), so the slabs hold at most the stored bytes plus a quarter.
 */
export class LineStore {
  #slab = Buffer.allocUnsafeSlow(SLAB_BYTES) as Utf8Writable;
  #used = 0;
  /** Where the last `store` put its line (read right after the call; saves an object per line). */
  chunk: Buffer = this.#slab;
  offset = 0;

  /**
   * Stores `line` and returns its UTF-8 byte length, or -1 (nothing stored) when that length is over
   * `maxBytes`. After a call that returned ≥ 0, `chunk` and `offset` say where the bytes are.
   */
  store(line: string, maxBytes: number): number {
    // A UTF-16 unit is at most 3 UTF-8 bytes: below this, the line fits without measuring it first.
    if (line.length * 3 <= SLAB_BYTES - this.#used) return this.#append(line);
    if (line.length > OWN_BUFFER_CHARS) {
      const bytes = Buffer.byteLength(line, 'utf8');
      if (bytes > maxBytes) return -1;
      const own = Buffer.allocUnsafeSlow(bytes);
      (own as Utf8Writable).utf8Write(line, 0);
      this.chunk = own;
      this.offset = 0;
      return bytes;
    }
    if (Buffer.byteLength(line, 'utf8') > SLAB_BYTES - this.#used) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES) as Utf8Writable;
      this.#used = 0;
    }
    return this.#append(line);
  }

  /** Stores a copy of `bytes` bytes of `source` from `start` (a line moving out of a slab it would pin). */
  copy(source: Buffer, start: number, bytes: number): void {
    if (bytes > SLAB_BYTES / 4) {
      const own = Buffer.allocUnsafeSlow(bytes);
      source.copy(own, 0, start, start + bytes);
      this.chunk = own;
      this.offset = 0;
      return;
    }
    if (bytes > SLAB_BYTES - this.#used) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES) as Utf8Writable;
      this.#used = 0;
    }
    source.copy(this.#slab, this.#used, start, start + bytes);
    this.chunk = this.#slab;
    this.offset = this.#used;
    this.#used += bytes;
  }

  #append(line: string): number {
    const bytes = this.#slab.utf8Write(line, this.#used);
    this.chunk = this.#slab;
    this.offset = this.#used;
    this.#used += bytes;
    return bytes;
  }
}

/** The line a record holds, as a string (for drop events and errors: not on the shipping path). */
export function lineOf(record: StoredLine & { readonly bytes: number }): string {
  return record.chunk.toString('utf8', record.offset, record.offset + record.bytes);
}
