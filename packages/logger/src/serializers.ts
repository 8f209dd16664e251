import { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { pino } from 'pino';
import { REDACTION_DEFAULTS } from './limits.js';
import { redactUrl } from './url-redaction.js';

const SECRET_QUERY_PARAMS: ReadonlySet<string> = new Set(REDACTION_DEFAULTS.secretQueryParams);

/**
 * A server request: `node:http`'s IncomingMessage, or anything shaped like one (http2's
 * compatibility request, a framework's wrapper): `rawHeaders` is what gives the secrets away.
 */
export function isHttpRequest(value: object): value is IncomingMessage {
  if (value instanceof IncomingMessage) return true;
  const candidate = value as Partial<IncomingMessage>;
  return (
    Array.isArray(candidate.rawHeaders) && typeof candidate.headers === 'object' && typeof candidate.method === 'string'
  );
}

/** A server response: ServerResponse, or anything with its `getHeaders()` and `statusCode`. */
export function isHttpResponse(value: object): value is ServerResponse {
  if (value instanceof ServerResponse) return true;
  const candidate = value as Partial<ServerResponse>;
  return (
    typeof candidate.getHeaders === 'function' && typeof candidate.statusCode === 'number' && 'headersSent' in candidate
  );
}

/**
 * pino-std-serializers' request shape (`id, method, url, query, params, headers, remoteAddress,
 * remotePort`), the ecosystem's convention (pino-http, fastify), with secret query parameters and
 * URL credentials censored in `url`. Anything that is not a request (a plain `{ req: { … } }` a
 * caller built) is returned unchanged: its fields are the caller's choice.
 */
export function serializeRequest(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || !isHttpRequest(value)) return value;
  const shape = pino.stdSerializers.req(value) as { url?: unknown };
  if (typeof shape.url === 'string') shape.url = redactUrl(shape.url, SECRET_QUERY_PARAMS);
  return shape;
}

/** pino-std-serializers' response shape (`statusCode, headers`); non-responses are returned unchanged. */
export function serializeResponse(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || !isHttpResponse(value)) return value;
  return pino.stdSerializers.res(value);
}

/**
 * An outgoing request (what an HTTP client error carries as `err.request`): its `_header` holds
 * the request head as text, Authorization included, so only the parsed fields are kept.
 */
export function serializeClientRequest(value: ClientRequest): Record<string, unknown> {
  return {
    method: value.method,
    protocol: value.protocol,
    host: value.host,
    path: redactUrl(value.path, SECRET_QUERY_PARAMS),
    headers: value.getHeaders(),
  };
}

export { ClientRequest };
