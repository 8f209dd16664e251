import { REDACTION_DEFAULTS } from './limits.js';

/**
 * `scheme://userinfo@` anywhere in a text. The userinfo runs to the LAST `@` before the path (a
 * password with a raw `@` is still one userinfo, as the WHATWG URL parser reads it). Over-matching
 * (a JSON text with `"http://host","email":"a@b"`) censors too much, never too little.
 */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;

/** True when a string may carry URL credentials: the cheap test that keeps plain strings fast. */
export function mayHoldUserinfo(text: string): boolean {
  const scheme = text.indexOf('://');
  return scheme !== -1 && text.indexOf('@', scheme) !== -1;
}

/** Replaces the userinfo of every URL in `text` (`http://admin:hunter2@host` → `http://[Redacted]@host`). */
export function redactUserinfo(text: string, censor: string = REDACTION_DEFAULTS.censor): string {
  if (!mayHoldUserinfo(text)) return text;
  return text.replace(USERINFO, (_match, scheme: string) => `${scheme}${censor}@`);
}

/**
 * A URL as it may be logged: userinfo censored, and the values of secret query parameters
 * replaced. The rest is kept byte for byte (no re-encoding).
 */
export function redactUrl(
  url: string,
  secretParams: ReadonlySet<string>,
  censor: string = REDACTION_DEFAULTS.censor,
): string {
  const withoutUserinfo = redactUserinfo(url, censor);
  const queryStart = withoutUserinfo.indexOf('?');
  if (queryStart === -1) return withoutUserinfo;
  const hashStart = withoutUserinfo.indexOf('#', queryStart);
  const query = withoutUserinfo.slice(queryStart + 1, hashStart === -1 ? undefined : hashStart);
  const parts = query.split('&').map((part) => {
    const equals = part.indexOf('=');
    const rawName = equals === -1 ? part : part.slice(0, equals);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      // malformed escapes: compare the raw name
    }
    return secretParams.has(name.toLowerCase()) && equals !== -1 ? `${rawName}=${censor}` : part;
  });
  const hash = hashStart === -1 ? '' : withoutUserinfo.slice(hashStart);
  return `${withoutUserinfo.slice(0, queryStart)}?${parts.join('&')}${hash}`;
}

/**
 * A matcher for texts that may carry a secret query parameter (`?token=…`, `&password=…`, or at the
 * start of a bare query string): only those are split and rebuilt.
 */
export function secretParamMatcher(secretParams: Iterable<string>): RegExp {
  const names = [...secretParams].map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?:^|[?&])(?:${names.join('|')})=`, 'i');
}
