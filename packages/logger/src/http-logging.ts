import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { HTTP_LOGGING_DEFAULTS, REDACTION_DEFAULTS } from './limits.js';
import { redactorOf } from './logger.js';
import { createRedactor, type Redactor } from './redaction.js';
import { redactUrl } from './url-redaction.js';

export interface HttpLoggingOptions {
  logger: Logger;
  /**
   * Capture the response body into the line (`responseBody`), up to `maxResponseBufferBytes`.
   * JSON and form-encoded bodies are redacted like any logged object (the logger's keys); a JSON
   * body that cannot be parsed (cut at the cap, invalid) is not written. Other bodies (text, HTML)
   * are written as text with only URL credentials censored: do not capture routes that answer
   * secrets in them.
   */
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
  // The logger's own redactor (its keys and censor); defaults for a logger not made by createLogger.
  const ownRedactor = redactorOf(logger);
  const bodyRedactor: Redactor | null = ownRedactor === undefined ? createRedactor() : ownRedactor;
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

    const originalWrite = res.write.bind(res);
    const originalEnd = res.end.bind(res);
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
          const body = Buffer.concat(captured, capturedBytes).toString('utf8');
          fields.responseBody = bodyRedactor ? redactBody(body, res.getHeader('content-type'), bodyRedactor) : body;
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

/**
 * A captured body as it may be logged. JSON (by content type, or a body that starts like JSON) is
 * parsed, redacted and written back compactly; one that does not parse is not written at all, since
 * it cannot be checked. `application/x-www-form-urlencoded` pairs are redacted by name. Anything
 * else is returned as it is (the logger still censors URL credentials in it).
 */
export function redactBody(body: string, contentType: unknown, redactor: Redactor): string {
  const type = typeof contentType === 'string' ? contentType.toLowerCase() : '';
  const trimmed = body.trimStart();
  if (/[/+]json\b/.test(type) || (type === '' && (trimmed.startsWith('{') || trimmed.startsWith('[')))) {
    try {
      return JSON.stringify(redactor(JSON.parse(body) as unknown));
    } catch {
      return REDACTION_DEFAULTS.markers.unreadable;
    }
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return body
      .split('&')
      .map((part) => {
        const equals = part.indexOf('=');
        if (equals === -1) return part;
        let name = part.slice(0, equals);
        try {
          name = decodeURIComponent(name.replace(/\+/g, ' '));
        } catch {
          // malformed escapes: check the raw name
        }
        const checked = redactor({ [name]: '' })[name];
        return checked === '' ? part : `${part.slice(0, equals)}=${String(checked)}`;
      })
      .join('&');
  }
  return body;
}
