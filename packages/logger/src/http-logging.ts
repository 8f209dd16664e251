import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { HTTP_LOGGING_DEFAULTS } from './limits.js';

export interface HttpLoggingOptions {
  logger: Logger;
  /** Capture the response body into the line (`responseBody`), up to `maxResponseBufferBytes`. */
  captureResponseBody?: boolean;
  maxResponseBufferBytes?: number;
  /** Query parameters whose values are redacted in the logged URL (replaces the defaults). */
  secretQueryParams?: readonly string[];
}

/** What one request's line carries (besides pino's own fields). */
export interface HttpLogFields {
  method: string;
  url: string;
  statusCode: number;
  durationMs: number;
  /** `content-length` of the request, or the body bytes read from the socket while it ran. */
  requestBytes: number;
  /** Body bytes written by the handler (after any encoding the handler did itself). */
  responseBytes: number;
  /** True when the connection closed before the response finished. */
  aborted?: boolean;
  responseBody?: string;
  /** True when the body went past `maxResponseBufferBytes`: `responseBody` holds the first bytes only. */
  responseBodyTruncated?: boolean;
}

type Next = (error?: unknown) => void;
type WriteCallback = (error?: Error | null) => void;

/**
 * HTTP logging for `node:http` and express-style stacks: one line per request when it finishes or
 * the connection closes. Use as `(req, res, next)` middleware, or call it first thing in a
 * `node:http` handler (`next` is optional).
 */
export function createHttpLogging(
  options: HttpLoggingOptions,
): (req: IncomingMessage, res: ServerResponse, next?: Next) => void {
  const { logger } = options;
  const capture = options.captureResponseBody === true;
  const maxResponseBufferBytes = options.maxResponseBufferBytes ?? HTTP_LOGGING_DEFAULTS.maxResponseBufferBytes;
  const secrets = new Set(
    (options.secretQueryParams ?? HTTP_LOGGING_DEFAULTS.secretQueryParams).map((name) => name.toLowerCase()),
  );

  return (req, res, next) => {
    try {
      observe(req, res);
    } catch (error) {
      // Logging must never break the request.
      try {
        logger.warn({ logError: String(error) }, 'http logging failed to attach');
      } catch {
        // nothing left to do
      }
    }
    if (next) next();
  };

  function observe(req: IncomingMessage, res: ServerResponse): void {
    const startedAt = process.hrtime.bigint();
    const socketBytesAtStart = req.socket?.bytesRead ?? 0;
    let responseBytes = 0;
    let captured: Buffer[] = [];
    let capturedBytes = 0;
    let truncated = false;
    let logged = false;

    const count = (chunk: unknown, encoding: unknown): void => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buffer =
        typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : chunk instanceof Uint8Array
            ? chunk
            : undefined;
      if (buffer === undefined) return;
      responseBytes += buffer.byteLength;
      if (!capture || truncated) return;
      const room = maxResponseBufferBytes - capturedBytes;
      if (buffer.byteLength > room) {
        // Past the cap: keep what fits, stop capturing, say so in the line.
        if (room > 0) captured.push(Buffer.from(buffer.subarray(0, room)));
        capturedBytes += Math.max(0, room);
        truncated = true;
        return;
      }
      // Copy: the handler may reuse its buffer after write() returns.
      captured.push(typeof chunk === 'string' ? (buffer as Buffer) : Buffer.from(buffer));
      capturedBytes += buffer.byteLength;
    };

    const originalWrite = res.write;
    const originalEnd = res.end;
    res.write = function write(this: ServerResponse, chunk: unknown, encoding?: unknown, callback?: unknown) {
      try {
        count(chunk, encoding);
      } catch {
        // counting is best effort
      }
      return (originalWrite as (...args: unknown[]) => boolean).call(this, chunk, encoding, callback);
    } as typeof res.write;
    res.end = function end(this: ServerResponse, chunk?: unknown, encoding?: unknown, callback?: WriteCallback) {
      try {
        count(chunk, encoding);
      } catch {
        // counting is best effort
      }
      return (originalEnd as (...args: unknown[]) => ServerResponse).call(this, chunk, encoding, callback);
    } as typeof res.end;

    const finish = (aborted: boolean): void => {
      if (logged) return;
      logged = true;
      res.removeListener('finish', onFinish);
      res.removeListener('close', onClose);
      try {
        const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
        const contentLength = Number(req.headers['content-length']);
        const fields: HttpLogFields = {
          method: req.method ?? 'GET',
          url: redactUrl((req as { originalUrl?: string }).originalUrl ?? req.url ?? '/', secrets),
          statusCode: res.statusCode,
          durationMs: Math.round(durationMs * 1000) / 1000,
          requestBytes:
            Number.isFinite(contentLength) && contentLength >= 0
              ? contentLength
              : Math.max(0, (req.socket?.bytesRead ?? 0) - socketBytesAtStart),
          responseBytes,
        };
        if (aborted) fields.aborted = true;
        if (capture) {
          fields.responseBody = Buffer.concat(captured, capturedBytes).toString('utf8');
          if (truncated) fields.responseBodyTruncated = true;
        }
        const level = res.statusCode >= 500 || aborted ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
        logger[level](fields, `${fields.method} ${fields.url} ${fields.statusCode} ${fields.durationMs}ms`);
      } finally {
        // Release the captured body whatever happened above.
        captured = [];
        capturedBytes = 0;
      }
    };
    const onFinish = (): void => finish(false);
    const onClose = (): void => finish(!res.writableFinished);
    res.on('finish', onFinish);
    res.on('close', onClose);
  }
}

/** Replaces the values of secret query parameters; the rest of the URL is kept byte for byte. */
export function redactUrl(url: string, secretParams: ReadonlySet<string>): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const hashStart = url.indexOf('#', queryStart);
  const query = url.slice(queryStart + 1, hashStart === -1 ? undefined : hashStart);
  const parts = query.split('&').map((part) => {
    const equals = part.indexOf('=');
    const rawName = equals === -1 ? part : part.slice(0, equals);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      // malformed escapes: compare the raw name
    }
    return secrets(name) && equals !== -1 ? `${rawName}=[Redacted]` : part;
  });
  return `${url.slice(0, queryStart)}?${parts.join('&')}${hashStart === -1 ? '' : url.slice(hashStart)}`;

  function secrets(name: string): boolean {
    return secretParams.has(name.toLowerCase());
  }
}
