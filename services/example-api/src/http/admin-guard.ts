// Who may call the admin routes (memory cleanup, thresholds, forced GC, heap profile): routes
// that change the process's state or force expensive work. Pure functions of the configured
// token, the listening address and the request headers, so they are tested without sockets.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpError } from './errors.js';

/**
 * - `token`: ADMIN_TOKEN is set; every admin request needs `Authorization: Bearer <token>`.
 * - `loopback`: no token, but the service listens on a loopback address only, so only local
 *   processes reach it.
 * - `refused`: no token and a non-loopback listener; admin routes answer 403.
 */
export type AdminAccess =
  { mode: 'token'; tokenDigest: Buffer } | { mode: 'loopback'; address: string } | { mode: 'refused'; address: string };

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.y.z); `localhost` by name. */
export function isLoopbackAddress(address: string): boolean {
  const host = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    const lower = host.toLowerCase();
    return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(lower);
  }
  return false;
}

// Comparing digests of equal length keeps the comparison constant-time whatever the length of
// what the client sent (timingSafeEqual itself needs equal lengths).
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function adminAccess(token: string | undefined, listenAddress: string): AdminAccess {
  if (token !== undefined && token !== '') return { mode: 'token', tokenDigest: digest(token) };
  return isLoopbackAddress(listenAddress)
    ? { mode: 'loopback', address: listenAddress }
    : { mode: 'refused', address: listenAddress };
}

/** The start-up line that says how the admin routes are guarded. */
export function describeAdminAccess(access: AdminAccess): string {
  switch (access.mode) {
    case 'token':
      return 'admin routes: require Authorization: Bearer <ADMIN_TOKEN>';
    case 'loopback':
      return (
        `admin routes: served without a token because the service listens on loopback ${access.address} only ` +
        '(set ADMIN_TOKEN to require one)'
      );
    case 'refused':
      return (
        'admin routes: refused (403) because ADMIN_TOKEN is unset ' +
        `and the service listens on ${access.address}, not a loopback address`
      );
  }
}

function hostOf(hostHeader: string): string {
  // "[::1]:3000" → "[::1]", "127.0.0.1:3000" → "127.0.0.1", "localhost" → "localhost"
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon);
}

/**
 * Throws the HttpError an admin request gets, or returns when it may proceed.
 * Without a token, a loopback listener still refuses what a browser page could send on the
 * user's behalf: a Host that is not a loopback name (DNS rebinding), or a cross-site request
 * (`Sec-Fetch-Site`, `Origin`), so that a web page cannot force GCs on a developer's machine.
 */
export function authorizeAdmin(access: AdminAccess, headers: IncomingHttpHeaders): void {
  if (access.mode === 'refused') {
    throw new HttpError(
      403,
      'admin routes are disabled: set ADMIN_TOKEN, or listen on a loopback address (HOST=127.0.0.1)',
    );
  }
  if (access.mode === 'token') {
    const header = headers.authorization;
    const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new HttpError(401, 'admin route: send Authorization: Bearer <ADMIN_TOKEN>', {
        'www-authenticate': 'Bearer realm="example-api admin"',
      });
    }
    if (!timingSafeEqual(digest(match[1]), access.tokenDigest)) {
      throw new HttpError(403, 'admin route: wrong token');
    }
    return;
  }
  const host = headers.host;
  if (host === undefined || !isLoopbackAddress(hostOf(host))) {
    throw new HttpError(403, 'admin route: without ADMIN_TOKEN only requests addressed to a loopback host are served');
  }
  const fetchSite = headers['sec-fetch-site'];
  const origin = headers.origin;
  if (
    (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') ||
    (origin !== undefined && !isLoopbackOrigin(origin))
  ) {
    throw new HttpError(403, 'admin route: cross-site requests are refused');
  }
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    return isLoopbackAddress(new URL(origin).hostname);
  } catch {
    return false;
  }
}
