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

/** Lines longer than this many bytes get a buffer of their own instead of a slab's tail. */
const OWN_BUFFER_BYTES = SLAB_BYTES / 4;

/** The UTF-8 bytes of one stored line, `\n` included: `chunk[offset, offset + bytes)`. */
export interface StoredLine {
  readonly chunk: Buffer;
  readonly offset: number;
  readonly bytes: number;
}

/**
 * Appends lines to the current slab and starts a new one when a line does not fit. A slab is never
 * written twice at the same place and is freed by the collector once no record points into it.
 * The unused tail of a full slab is shorter than the line that did not fit, at most a quarter slab
 * (a longer line has its own buffer), so the slabs hold at most 4/3 of the stored bytes.
 */
export class LineStore {
  #slab = Buffer.allocUnsafeSlow(SLAB_BYTES) as Utf8Writable;
  #used = 0;
  /** Where the last `store` or `copy` put its line (read right after the call; saves an object per line). */
  chunk: Buffer = this.#slab;
  offset = 0;

  /**
   * Stores `line` and returns its UTF-8 byte length, or -1 (nothing stored) when that length is over
   * `maxBytes`. After a call that returned ≥ 0, `chunk` and `offset` say where the bytes are.
   */
  store(line: string, maxBytes: number): number {
    // A UTF-16 unit is at most 3 UTF-8 bytes: below this, the line fits without measuring it first.
    if (line.length * 3 <= SLAB_BYTES - this.#used) {
      const written = this.#slab.utf8Write(line, this.#used);
      // Unclaimed, a line over the limit leaves the slab as it was (the next line writes over it).
      return written > maxBytes ? -1 : this.#claim(written);
    }
    const bytes = Buffer.byteLength(line, 'utf8');
    if (bytes > maxBytes) return -1;
    if (bytes > OWN_BUFFER_BYTES) {
      const own = Buffer.allocUnsafeSlow(bytes) as Utf8Writable;
      own.utf8Write(line, 0);
      return this.#own(own);
    }
    this.#makeRoom(bytes);
    return this.#claim(this.#slab.utf8Write(line, this.#used));
  }

  /** Stores a copy of `bytes` bytes of `source` from `start` (a line moving out of a slab it would pin). */
  copy(source: Buffer, start: number, bytes: number): void {
    if (bytes > OWN_BUFFER_BYTES) {
      const own = Buffer.allocUnsafeSlow(bytes);
      source.copy(own, 0, start, start + bytes);
      this.#own(own);
      return;
    }
    this.#makeRoom(bytes);
    this.#claim(source.copy(this.#slab, this.#used, start, start + bytes));
  }

  /** A new slab when the current one's tail is shorter than `bytes`. */
  #makeRoom(bytes: number): void {
    if (bytes <= SLAB_BYTES - this.#used) return;
    this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES) as Utf8Writable;
    this.#used = 0;
  }

  /** `bytes` were just written at the end of the slab: say where, and advance past them. */
  #claim(bytes: number): number {
    this.chunk = this.#slab;
    this.offset = this.#used;
    this.#used += bytes;
    return bytes;
  }

  /** A line in a buffer of its own (the slab is left as it was). */
  #own(buffer: Buffer): number {
    this.chunk = buffer;
    this.offset = 0;
    return buffer.byteLength;
  }
}

/** The line a record holds, as a string (for drop events and errors: not on the shipping path). */
export function lineOf(record: StoredLine): string {
  return record.chunk.toString('utf8', record.offset, record.offset + record.bytes);
}
