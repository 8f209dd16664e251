/**
 * The spool's record framing: one record per line, so a segment is readable with `less` and a torn
 * tail is a line without its `\n`:
 *
 *   <crc32 of the rest, 8 hex>\t<_id>\t<writtenAtMs>\t<the log line without its \n>\n
 *
 * pino lines are JSON (no raw newline or tab inside), and `_id`s are base64url: neither holds a
 * tab. The checksum covers id, time and line, so a flipped byte anywhere in a frame is detected.
 */
import type { StoredLine } from '../line-store.js';

export interface SpooledRecord {
  readonly id: string;
  readonly writtenAtMs: number;
  /** The log line, ending with `\n`, as the shipper holds it. */
  readonly line: string;
}

/**
 * CRC-32 tables for slicing-by-8 (eight bytes per step): the checksum runs on every log call in
 * write-ahead mode, and eight lookups per eight bytes cost far less than one step per byte.
 */
const CRC_TABLES = (() => {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    tables[0][n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let t = 1; t < 8; t++) tables[t][n] = (tables[t - 1][n] >>> 8) ^ tables[0][tables[t - 1][n] & 0xff];
  }
  return tables;
})();
const [T0, T1, T2, T3, T4, T5, T6, T7] = CRC_TABLES;

/** CRC-32 (IEEE, as zlib's) of `bytes[start, end)`. Hand-written: `zlib.crc32` arrived in Node 22.2. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const low = crc ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    crc =
      T7[low & 0xff] ^
      T6[(low >>> 8) & 0xff] ^
      T5[(low >>> 16) & 0xff] ^
      T4[low >>> 24] ^
      T3[bytes[i + 4]] ^
      T2[bytes[i + 5]] ^
      T1[bytes[i + 6]] ^
      T0[bytes[i + 7]];
  }
  for (; i < end; i++) crc = T0[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** A frame measured before it is written: the spool checks its limits with `bytes` first. */
export interface PreparedFrame {
  readonly bytes: number;
  readonly header: string;
  readonly bodyBytes: number;
  readonly line: string;
  /** The line's UTF-8 bytes, when the caller holds them: copied instead of encoding `line` again. */
  readonly encoded: StoredLine | undefined;
}

/** Measures one frame. `encoded`: the line's UTF-8 bytes, if the caller holds them. */
export function prepareFrame(record: SpooledRecord, encoded?: StoredLine): PreparedFrame {
  const { line } = record;
  const lineBytes = encoded === undefined ? Buffer.byteLength(line, 'utf8') : encoded.bytes;
  // The frame's own newline ends it: the line's is not copied.
  const bodyBytes = line.endsWith('\n') ? lineBytes - 1 : lineBytes;
  const header = `\t${record.id}\t${record.writtenAtMs}\t`;
  return { bytes: 8 + header.length + bodyBytes + 1, header, bodyBytes, line, encoded };
}

/**
 * Writes a prepared frame into `target` at `offset` (`frame.bytes` must fit). This runs on every log
 * call in write-ahead mode: the ASCII parts are copied byte by byte (cheaper than a call into the
 * binding each) and the line's bytes are copied from where the caller holds them (else encoded
 * once, straight into place).
 */
export function writeFrame(frame: PreparedFrame, target: Buffer, offset: number): void {
  const { header, encoded } = frame;
  let at = offset + 8;
  // The id (base64url) and the time are ASCII.
  for (let k = 0; k < header.length; k++) target[at++] = header.charCodeAt(k);
  if (encoded !== undefined) {
    at += encoded.chunk.copy(target, at, encoded.offset, encoded.offset + frame.bodyBytes);
  } else {
    // A line with as many bytes as characters is ASCII (the usual pino line): copied as one-byte
    // characters, which skips the UTF-8 encoder.
    const ascii = frame.bodyBytes === frame.line.length - (frame.line.endsWith('\n') ? 1 : 0);
    at += target.write(frame.line, at, frame.bodyBytes, ascii ? 'latin1' : 'utf8');
  }
  target[at] = 0x0a;
  // The checksum covers everything after it except the final newline; 8 hex digits, zero-padded.
  let crc = crc32(target, offset + 9, at);
  for (let k = offset + 7; k >= offset; k--) {
    target[k] = HEX_DIGITS[crc & 0xf];
    crc >>>= 4;
  }
}

/** The bytes of one frame. */
export function encodeRecord(record: SpooledRecord): Buffer {
  const frame = prepareFrame(record);
  const bytes = Buffer.allocUnsafe(frame.bytes);
  writeFrame(frame, bytes, 0);
  return bytes;
}

export interface DecodedSegment {
  readonly records: SpooledRecord[];
  /** Frames whose checksum or shape was wrong (skipped, never shipped). */
  readonly corrupt: number;
  /** Bytes up to the end of the last complete frame: a torn tail starts here. */
  readonly validBytes: number;
  /** True when the file ended inside a frame (a write cut by a crash). */
  readonly tornTail: boolean;
}

/** Reads every frame of a segment; bad frames are counted and skipped, a torn tail is reported. */
export function decodeSegment(bytes: Buffer): DecodedSegment {
  const decoded = decodeFrames(bytes);
  const tornTail = decoded.consumedBytes < bytes.length;
  return { records: decoded.records, corrupt: decoded.corrupt, validBytes: decoded.consumedBytes, tornTail };
}

export interface DecodedFrames {
  readonly records: SpooledRecord[];
  /** Frames whose checksum or shape was wrong (skipped, never returned). */
  readonly corrupt: number;
  /** Bytes of the frames taken (good or corrupt): where the next read starts. */
  readonly consumedBytes: number;
}

/**
 * Decodes the complete frames at the start of `bytes`, in order, stopping before the frame that
 * would pass `maxRecords` records or `maxFrameBytes` bytes of frames taken (the first frame is
 * taken whatever its size when `takeFirst`), and before a frame cut by the end of `bytes`.
 */
export function decodeFrames(
  bytes: Buffer,
  maxRecords = Infinity,
  maxFrameBytes = Infinity,
  takeFirst = true,
): DecodedFrames {
  const records: SpooledRecord[] = [];
  let corrupt = 0;
  let start = 0;
  while (start < bytes.length && records.length < maxRecords) {
    const end = bytes.indexOf(0x0a, start);
    if (end === -1) break;
    // end + 1: the bytes of every frame taken so far, this one included.
    if (end + 1 > maxFrameBytes && !(start === 0 && takeFirst)) break;
    const record = decodeFrame(bytes, start, end);
    if (record === undefined) corrupt++;
    else records.push(record);
    start = end + 1;
  }
  return { records, corrupt, consumedBytes: start };
}

/**
 * One frame `bytes[start, end]` (`end`: its newline). The id, the time and the line are each decoded
 * from their own bytes into flat strings: a line sliced out of the whole frame's text would keep
 * that text alive for as long as the record waits in memory.
 */
function decodeFrame(bytes: Buffer, start: number, end: number): SpooledRecord | undefined {
  if (end - start < 12 || bytes[start + 8] !== 0x09) return undefined;
  const stored = Number.parseInt(bytes.toString('latin1', start, start + 8), 16);
  if (!Number.isFinite(stored) || stored !== crc32(bytes, start + 9, end)) return undefined;
  // Tabs are ASCII, so their byte offsets are safe to split UTF-8 at.
  const idEnd = bytes.indexOf(0x09, start + 9);
  const timeEnd = idEnd === -1 ? -1 : bytes.indexOf(0x09, idEnd + 1);
  if (idEnd <= start + 9 || timeEnd === -1 || timeEnd >= end) return undefined;
  const writtenAtMs = Number(bytes.toString('latin1', idEnd + 1, timeEnd));
  if (!Number.isFinite(writtenAtMs)) return undefined;
  // The line keeps the frame's newline: it ends with `\n` as the shipper holds it.
  return {
    id: bytes.toString('latin1', start + 9, idEnd),
    writtenAtMs,
    line: bytes.toString('utf8', timeEnd + 1, end + 1),
  };
}
