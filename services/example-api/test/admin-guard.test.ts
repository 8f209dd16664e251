// The admin guard and the cleanup limiter as pure functions: no sockets.
import { describe, expect, it } from 'vitest';
import { adminAccess, authorizeAdmin, describeAdminAccess, isLoopbackAddress } from '../src/http/admin-guard.js';
import { HttpError } from '../src/http/errors.js';
import { createIntervalLimiter } from '../src/http/interval-limiter.js';

function statusOf(run: () => void): number | 'ok' {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof HttpError) return error.status;
    throw error;
  }
}

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost'])(
    '%s is loopback',
    (address) => expect(isLoopbackAddress(address)).toBe(true),
  );
  it.each([
    '0.0.0.0',
    '::',
    '10.0.0.1',
    '192.168.1.2',
    '::ffff:10.0.0.1',
    '128.0.0.1',
    'example.com',
    '',
    'localhost.evil',
  ])('%s is not', (address) => expect(isLoopbackAddress(address)).toBe(false));
});

describe('admin access with ADMIN_TOKEN', () => {
  const access = adminAccess('s3cret-token', '0.0.0.0');

  it('needs the bearer token on any listener', () => {
    expect(access.mode).toBe('token');
    expect(statusOf(() => authorizeAdmin(access, {}))).toBe(401);
    expect(statusOf(() => authorizeAdmin(access, { authorization: 'Basic czNjcmV0' }))).toBe(401);
    expect(statusOf(() => authorizeAdmin(access, { authorization: 'Bearer' }))).toBe(401);
    expect(statusOf(() => authorizeAdmin(access, { authorization: 'Bearer wrong' }))).toBe(403);
    expect(statusOf(() => authorizeAdmin(access, { authorization: 'Bearer s3cret-token-and-more' }))).toBe(403);
    expect(statusOf(() => authorizeAdmin(access, { authorization: 'Bearer s3cret-toke' }))).toBe(403);
    expect(statusOf(() => authorizeAdmin(access, { authorization: 'Bearer s3cret-token' }))).toBe('ok');
    expect(statusOf(() => authorizeAdmin(access, { authorization: 'bearer s3cret-token' }))).toBe('ok');
  });

  it('asks for the token with WWW-Authenticate, and never says it', () => {
    try {
      authorizeAdmin(access, {});
      expect.unreachable();
    } catch (error) {
      expect((error as HttpError).headers['www-authenticate']).toMatch(/^Bearer /);
    }
    expect(describeAdminAccess(access)).not.toContain('s3cret');
    expect(describeAdminAccess(access)).toMatch(/require Authorization: Bearer/);
  });
});

describe('admin access without ADMIN_TOKEN', () => {
  it('serves local requests while the listener is loopback', () => {
    const access = adminAccess(undefined, '127.0.0.1');
    expect(access.mode).toBe('loopback');
    expect(describeAdminAccess(access)).toMatch(/served without a token .* loopback 127\.0\.0\.1/);
    for (const host of ['127.0.0.1:3000', 'localhost:3000', '[::1]:3000', 'localhost']) {
      expect(
        statusOf(() => authorizeAdmin(access, { host })),
        host,
      ).toBe('ok');
    }
    expect(statusOf(() => authorizeAdmin(access, { host: '127.0.0.1:3000', 'sec-fetch-site': 'none' }))).toBe('ok');
  });

  it('refuses what a web page could send through the browser (rebinding, cross-site)', () => {
    const access = adminAccess('', '::1');
    expect(access.mode).toBe('loopback');
    expect(statusOf(() => authorizeAdmin(access, { host: 'attacker.example:3000' }))).toBe(403);
    expect(statusOf(() => authorizeAdmin(access, {}))).toBe(403);
    expect(statusOf(() => authorizeAdmin(access, { host: '127.0.0.1:3000', 'sec-fetch-site': 'cross-site' }))).toBe(
      403,
    );
    expect(statusOf(() => authorizeAdmin(access, { host: '127.0.0.1:3000', origin: 'https://attacker.example' }))).toBe(
      403,
    );
    expect(statusOf(() => authorizeAdmin(access, { host: '127.0.0.1:3000', origin: 'http://localhost:3000' }))).toBe(
      'ok',
    );
  });

  it('refuses every admin request on a non-loopback listener, and says so at start-up', () => {
    for (const address of ['0.0.0.0', '::', '10.1.2.3']) {
      const access = adminAccess(undefined, address);
      expect(access.mode).toBe('refused');
      expect(describeAdminAccess(access)).toMatch(/refused \(403\) because ADMIN_TOKEN is unset/);
      expect(statusOf(() => authorizeAdmin(access, { host: '127.0.0.1:3000' }))).toBe(403);
    }
  });
});

describe('the manual cleanup limiter', () => {
  it('allows one per interval and says how long to wait', () => {
    let nowMs = 1_000_000;
    const limiter = createIntervalLimiter(10_000, () => nowMs);
    expect(limiter.tryAcquire()).toEqual({ ok: true });
    nowMs += 2500;
    expect(limiter.tryAcquire()).toEqual({ ok: false, retryAfterMs: 7500 });
    nowMs += 7499;
    expect(limiter.tryAcquire()).toEqual({ ok: false, retryAfterMs: 1 });
    nowMs += 1;
    expect(limiter.tryAcquire()).toEqual({ ok: true });
    // a refused attempt does not restart the interval
    nowMs += 5000;
    expect(limiter.tryAcquire().ok).toBe(false);
    nowMs += 5000;
    expect(limiter.tryAcquire().ok).toBe(true);
  });
});
