import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/**
 * Reads a JSON request body of at most `maxBytes`. A declared `content-length` above the
 * limit is refused before anything is read; a chunked body is counted as it arrives and
 * refused as soon as it passes the limit, so memory per request stays bounded.
 * Throws HttpError 413 (too large) or 400 (empty or invalid JSON).
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = () =>
    // `connection: close` because the rest of the body is discarded, not parsed.
    new HttpError(413, `request body larger than ${maxBytes} bytes`, { connection: 'close' });
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    req.resume();
    throw tooLarge();
  }
  // Events rather than `for await`: leaving a for-await loop early destroys the socket,
  // and the client would see a reset instead of the 413.
  const { chunks, received } = await new Promise<{ chunks: Buffer[]; received: number }>((resolve, reject) => {
    const parts: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        req.off('data', onData);
        parts.length = 0;
        req.resume(); // discard the rest
        reject(tooLarge());
        return;
      }
      parts.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve({ chunks: parts, received: total }));
    req.once('error', reject);
  });
  const text = Buffer.concat(chunks, received).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'request body is empty; expected JSON');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
