/**
 * The spool's record framing: one record per line, so a segment is readable with `less` and a torn
 * tail is a line without its `\n`:
 *
 *   <crc32 of the rest, 8 hex>\t<_id>\t<writtenAtMs>\t<the log line without its \n>\n
 *
 * pino lines are JSON (no raw newline or tab inside), and `_id`s are base64url: neither holds a
 * tab. The checksum covers id, time and line, so a flipped byte anywhere in a frame is detected.
 */

export interface SpooledRecord {
  readonly id: string;
  readonly writtenAtMs: number;
  /** The log line, ending with `\n`, as the shipper holds it. */
  readonly line: string;
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE, as zlib's) of a buffer. Hand-written: `zlib.crc32` arrived in Node 22.2. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = -1;
  for (let i = start; i < end; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** The bytes of one frame. */
export function encodeRecord(record: SpooledRecord): Buffer {
  const line = record.line.endsWith('\n') ? record.line.slice(0, -1) : record.line;
  const body = Buffer.from(`\t${record.id}\t${record.writtenAtMs}\t${line}\n`, 'utf8');
  const frame = Buffer.allocUnsafe(8 + body.length);
  body.copy(frame, 8);
  // The checksum covers everything after it except the final newline.
  frame.write(
    crc32(frame, 9, frame.length - 1)
      .toString(16)
      .padStart(8, '0'),
    0,
    'latin1',
  );
  return frame;
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

function decodeFrame(bytes: Buffer, start: number, end: number): SpooledRecord | undefined {
  if (end - start < 12 || bytes[start + 8] !== 0x09) return undefined;
  const stored = Number.parseInt(bytes.toString('latin1', start, start + 8), 16);
  if (!Number.isFinite(stored) || stored !== crc32(bytes, start + 9, end)) return undefined;
  const text = bytes.toString('utf8', start + 9, end);
  const idEnd = text.indexOf('\t');
  const timeEnd = text.indexOf('\t', idEnd + 1);
  if (idEnd <= 0 || timeEnd === -1) return undefined;
  const writtenAtMs = Number(text.slice(idEnd + 1, timeEnd));
  if (!Number.isFinite(writtenAtMs)) return undefined;
  return { id: text.slice(0, idEnd), writtenAtMs, line: `${text.slice(timeEnd + 1)}\n` };
}
