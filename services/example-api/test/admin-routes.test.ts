// The admin routes of a real service process: token, loopback-only and refused modes, the manual
// cleanup's rate limit, and the memory:* commands passing ADMIN_TOKEN.
import { get as httpGet } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postJson,
  requestJson,
  runMemory,
  startService,
  type ErrorBody,
  type RunningService,
} from './service-process.js';

const TOKEN = 'test-admin-token-4f9c2e';
const memoryUrl = (service: RunningService) => `${service.url}/api/monitoring/memory`;

/** fetch() will not send another Host header; node:http will. */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers: { host }, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

interface CleanupAnswer extends Partial<ErrorBody> {
  cleanup: { gcForced: boolean };
}

function post(url: string, body: unknown, authorization?: string) {
  return requestJson<CleanupAnswer>(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
}

describe('with ADMIN_TOKEN set', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService({ ADMIN_TOKEN: TOKEN });
  }, 30_000);
  afterAll(async () => {
    expect((await service?.stop())?.code).toBe(0);
  }, 15_000);

  it('says so at start-up, without the token', () => {
    expect(service.stdout()).toContain('admin routes: require Authorization: Bearer <ADMIN_TOKEN>');
  });

  it('answers 401 without a token and 403 with a wrong one, for every admin route', async () => {
    const cleanup = { action: 'cleanup' };
    const none = await post(memoryUrl(service), cleanup);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await post(memoryUrl(service), cleanup, 'Bearer nope')).status).toBe(403);
    expect((await post(memoryUrl(service), { action: 'updateThresholds' }, `Bearer ${TOKEN}x`)).status).toBe(403);
    expect((await requestJson(`${memoryUrl(service)}?gc=1`)).status).toBe(401);
    const wrongGc = await requestJson(`${memoryUrl(service)}?gc=1`, { headers: { authorization: 'Bearer nope' } });
    expect(wrongGc.status).toBe(403);
    // the read-only report stays public
    expect((await requestJson(memoryUrl(service))).status).toBe(200);
  });

  it('serves them with the token; a second manual cleanup within the interval gets 429 with Retry-After', async () => {
    const gc = await requestJson<{ heapUsed: number }>(`${memoryUrl(service)}?gc=1`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(gc.status).toBe(200);
    expect(gc.body.heapUsed).toBeGreaterThan(0);
    const first = await post(memoryUrl(service), { action: 'cleanup', level: 'aggressive' }, `Bearer ${TOKEN}`);
    expect(first.status).toBe(200);
    expect(first.body.cleanup.gcForced).toBe(true);
    const second = await post(memoryUrl(service), { action: 'cleanup', level: 'aggressive' }, `Bearer ${TOKEN}`);
    expect(second.status).toBe(429);
    const retryAfterS = Number(second.headers.get('retry-after'));
    expect(Number.isInteger(retryAfterS) && retryAfterS >= 1 && retryAfterS <= 10).toBe(true);
    expect(second.body.error).toMatch(/one manual cleanup per 10 s/);
  });

  it('memory:thresholds passes ADMIN_TOKEN from the environment, and says what is missing without it', async () => {
    const report = await requestJson<{ memory: { heapSizeLimitBytes: number } }>(memoryUrl(service));
    const limitMb = report.body.memory.heapSizeLimitBytes / (1024 * 1024);
    const value = `${Math.round(limitMb * 0.5)},${Math.round(limitMb * 0.7)}`;
    const without = await runMemory(['thresholds', value], service.url, 20_000, { ADMIN_TOKEN: undefined });
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/answered 401: .*set ADMIN_TOKEN/);
    const wrong = await runMemory(['thresholds', value], service.url, 20_000, { ADMIN_TOKEN: 'nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/answered 403/);
    const ok = await runMemory(['thresholds', value], service.url, 20_000, { ADMIN_TOKEN: TOKEN });
    expect(ok.code).toBe(0);
    expect(ok.stdout + ok.stderr).not.toContain(TOKEN);
  });

  it('never writes the token to its output (access logs included)', () => {
    expect(service.stdout()).toMatch(/monitoring\/memory/); // the access log lines are there
    expect(service.stdout() + service.stderr()).not.toContain(TOKEN);
  });
});

describe('without ADMIN_TOKEN', () => {
  it('on a loopback listener: served, and the start-up line says why', async () => {
    const service = await startService({ HOST: '127.0.0.1' });
    try {
      expect(service.stdout()).toMatch(/admin routes: served without a token .* loopback 127\.0\.0\.1/);
      expect((await postJson(memoryUrl(service), { action: 'cleanup' })).status).toBe(200);
      // what a page in a browser could send: another Host (DNS rebinding) or a cross-site fetch
      expect(await statusWithHost(`${memoryUrl(service)}?gc=1`, 'attacker.example')).toBe(403);
      expect(await statusWithHost(`${memoryUrl(service)}?gc=1`, `localhost:${new URL(service.url).port}`)).toBe(200);
      const crossSite = await requestJson(`${memoryUrl(service)}?gc=1`, {
        headers: { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' },
      });
      expect(crossSite.status).toBe(403);
    } finally {
      expect((await service.stop()).code).toBe(0);
    }
  }, 30_000);

  it('on a non-loopback listener: 403 for every admin route, and the start-up line says why', async () => {
    // Bound to every interface for a moment; the test itself only talks to 127.0.0.1.
    const service = await startService({ HOST: '0.0.0.0' });
    try {
      expect(service.stdout()).toMatch(/admin routes: refused \(403\) because ADMIN_TOKEN is unset .* 0\.0\.0\.0/);
      const local = service.url.replace('0.0.0.0', '127.0.0.1');
      const cleanup = await postJson<ErrorBody>(`${local}/api/monitoring/memory`, { action: 'cleanup' });
      expect(cleanup.status).toBe(403);
      expect(cleanup.body.error).toMatch(/set ADMIN_TOKEN/);
      expect((await requestJson(`${local}/api/monitoring/memory?gc=1`)).status).toBe(403);
      expect((await requestJson(`${local}/health`)).status).toBe(200);
    } finally {
      expect((await service.stop()).code).toBe(0);
    }
  }, 30_000);
});
