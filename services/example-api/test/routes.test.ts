import { IncomingMessage, ServerResponse, request as httpRequest } from 'node:http';
import { Socket } from 'node:net';
import { parsePrometheusText } from '@heapwise/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RouteContext } from '../src/routes/context.js';
import { slowRoutes } from '../src/routes/slow.js';
import { postJson, requestJson, spawnService, startService, type RunningService } from './service-process.js';

const MAX_BODY_BYTES = 16 * 1024;
const MB = 1024 * 1024;

let service: RunningService;
const [slowRoute] = slowRoutes;
if (slowRoute === undefined) throw new Error('expected the /api/slow route');

beforeAll(async () => {
  service = await startService();
}, 30_000);

afterAll(async () => {
  const status = await service?.stop();
  expect(status?.code).toBe(0);
}, 15_000);

/** Sends a chunked body (no content-length), so the limit must be enforced while reading. */
function postChunked(url: string, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('GET /health', () => {
  it('answers ok', async () => {
    const response = await requestJson(`${service.url}/health`);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ok');
  });

  it('answers 404 for an unknown path and 405 with Allow for a wrong method', async () => {
    const missing = await requestJson(`${service.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain('/nope');
    const wrong = await requestJson(`${service.url}/health`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
  });
});

describe('GET /api/items', () => {
  it('builds n items', async () => {
    const response = await requestJson(`${service.url}/api/items?n=5`);
    expect(response.status).toBe(200);
    expect(response.body.count).toBe(5);
    expect(response.body.items).toHaveLength(5);
    expect(response.body.items[4].name).toBe('item-5');
  });

  it.each(['0', '1001', 'abc', '2.5', '-3'])('refuses n=%s with 400', async (n) => {
    const response = await requestJson(`${service.url}/api/items?n=${n}`);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/"n" must be an integer from 1 to 1000/);
  });
});

describe('POST /api/items', () => {
  it('accepts a valid item', async () => {
    const response = await postJson(`${service.url}/api/items`, { name: 'pen', quantity: 2 });
    expect(response.status).toBe(201);
    expect(response.body.item).toMatchObject({ name: 'pen', quantity: 2 });
  });

  it.each([
    ['invalid JSON', '{"name": "pen",', /not valid JSON/],
    ['an empty body', '', /empty/],
    ['an array', '[1,2]', /JSON object/],
    ['a missing name', '{"quantity":1}', /"name"/],
    ['a fractional quantity', '{"name":"pen","quantity":1.5}', /"quantity"/],
  ])('refuses %s with 400', async (_label, body, message) => {
    const response = await postJson(`${service.url}/api/items`, body);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(message);
  });

  it('refuses a body above the limit with 413 (declared length)', async () => {
    const response = await postJson(`${service.url}/api/items`, { name: 'x'.repeat(MAX_BODY_BYTES), quantity: 1 });
    expect(response.status).toBe(413);
    expect(response.body.error).toContain(`${MAX_BODY_BYTES} bytes`);
  });

  it('refuses a chunked body once it passes the limit with 413', async () => {
    const chunk = Buffer.alloc(4096, 'a');
    const response = await postChunked(
      `${service.url}/api/items`,
      Array.from({ length: 6 }, () => chunk),
    );
    expect(response.status).toBe(413);
  });

  it('accepts a chunked body just under the limit (then rejects its content with 400)', async () => {
    const response = await postChunked(`${service.url}/api/items`, [Buffer.alloc(MAX_BODY_BYTES, ' ')]);
    expect(response.status).toBe(400);
  });
});

describe('GET /api/slow', () => {
  it('answers with the delay it was given', async () => {
    const response = await requestJson(`${service.url}/api/slow?ms=200`);
    expect(response.status).toBe(200);
    expect(response.body.delayedMs).toBe(200);
  });

  it('answers after the delay and not before (a fake clock drives the handler)', async () => {
    vi.useFakeTimers();
    try {
      const res = new ServerResponse(new IncomingMessage(new Socket()));
      const handled = slowRoute.handler({
        res,
        url: new URL('http://service.invalid/api/slow?ms=200'),
      } as RouteContext);
      await vi.advanceTimersByTimeAsync(199);
      expect(res.writableEnded).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(res.writableEnded).toBe(true);
      expect(res.statusCode).toBe(200);
      await handled;
    } finally {
      vi.useRealTimers();
    }
  });

  it.each(['', '?ms=', '?ms=10001', '?ms=-1', '?ms=soon'])('refuses %s with 400', async (query) => {
    const response = await requestJson(`${service.url}/api/slow${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/"ms"/);
  });

  it('accepts the maximum of 10000 ms (and the client may leave early)', async () => {
    const controller = new AbortController();
    const pending = fetch(`${service.url}/api/slow?ms=10000`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toThrow();
    expect((await requestJson(`${service.url}/health`)).status).toBe(200);
  });
});

describe('/api/monitoring/memory', () => {
  it('GET answers the monitor report', async () => {
    const response = await requestJson(`${service.url}/api/monitoring/memory`);
    expect(response.status).toBe(200);
    expect(typeof response.body).toBe('object');
  });

  it('GET ?gc=1 forces a GC and answers heap figures (gc is exposed by the test profile)', async () => {
    const response = await requestJson(`${service.url}/api/monitoring/memory?gc=1`);
    expect(response.status).toBe(200);
    expect(response.body.heapUsed).toBeGreaterThan(0);
    expect(response.body.rss).toBeGreaterThan(response.body.heapUsed);
    expect(response.body.requestsCompleted).toBeGreaterThan(0);
    expect(response.body.leakedEntries).toBe(0);
  });

  it('GET ?gc=yes is a 400', async () => {
    const response = await requestJson(`${service.url}/api/monitoring/memory?gc=yes`);
    expect(response.status).toBe(400);
  });

  it('POST cleanup runs the cleanup', async () => {
    const response = await postJson(`${service.url}/api/monitoring/memory`, { action: 'cleanup' });
    expect(response.status).toBe(200);
    expect(response.body.action).toBe('cleanup');
  });

  it('POST updateThresholds changes what the report says', async () => {
    const limitMb = (await requestJson(`${service.url}/api/monitoring/memory`)).body.memory.heapSizeLimitBytes / MB;
    const thresholds = { warning: Math.round(limitMb * 0.6), critical: Math.round(limitMb * 0.9) };
    const response = await postJson(`${service.url}/api/monitoring/memory`, { action: 'updateThresholds', thresholds });
    expect(response.status).toBe(200);
    const report = await requestJson(`${service.url}/api/monitoring/memory`);
    expect(report.body.thresholds).toEqual({ warningMb: thresholds.warning, criticalMb: thresholds.critical });
  });

  it.each([
    ['1e-300 (permanently critical)', { warning: 1e-301, critical: 1e-300 }, /at least 10 % of the heap size limit/],
    ['1048576 (protection off)', { warning: 0, critical: 1048576 }, /must not exceed the heap size limit/],
  ])('POST updateThresholds refuses %s against the heap size limit with 400', async (_label, thresholds, message) => {
    if (thresholds.warning === 0) {
      // a warning the limit allows, so that the critical one is what is refused
      const limitMb = (await requestJson(`${service.url}/api/monitoring/memory`)).body.memory.heapSizeLimitBytes / MB;
      thresholds.warning = Math.round(limitMb * 0.5);
    }
    const response = await postJson(`${service.url}/api/monitoring/memory`, { action: 'updateThresholds', thresholds });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(message);
  });

  it.each([
    ['invalid JSON', '{"action":', /not valid JSON/],
    ['no action', '{}', /"action"/],
    ['an unknown action', '{"action":"reboot"}', /unknown action "reboot"/],
    ['thresholds missing', '{"action":"updateThresholds"}', /"thresholds"/],
    ['a negative threshold', '{"action":"updateThresholds","thresholds":{"warning":-1,"critical":3000}}', /warning/],
    ['warning above critical', '{"action":"updateThresholds","thresholds":{"warning":3000,"critical":2000}}', /below/],
    ['a string threshold', '{"action":"updateThresholds","thresholds":{"warning":"2000","critical":3000}}', /warning/],
  ])('POST with %s is a 400', async (_label, body, message) => {
    const response = await postJson(`${service.url}/api/monitoring/memory`, body);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(message);
  });

  it('POST above the body limit is a 413', async () => {
    const response = await postJson(`${service.url}/api/monitoring/memory`, {
      action: 'cleanup',
      pad: 'x'.repeat(MAX_BODY_BYTES),
    });
    expect(response.status).toBe(413);
  });
});

describe('GET /metrics', () => {
  it('is Prometheus text that parses, with request counts and runtime metrics', async () => {
    await requestJson(`${service.url}/api/items?n=3`);
    const response = await fetch(`${service.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(await response.text());
    const byName = new Map(families.map((family) => [family.name, family]));
    const requests = byName.get('http_requests_total');
    expect(requests?.type).toBe('COUNTER');
    const items = requests?.metrics.find((m) => m.labels?.route === '/api/items' && m.labels?.status === '200');
    expect(Number(items?.value)).toBeGreaterThanOrEqual(1);
    expect(byName.has('http_request_duration_seconds')).toBe(true);
    // Runtime metrics from @heapwise/metrics: at least resident memory and heap.
    expect([...byName.keys()].some((name) => /resident|rss/i.test(name))).toBe(true);
    expect([...byName.keys()].some((name) => /heap/i.test(name))).toBe(true);
  });

  it('answers OpenMetrics to a scraper that asks, with the trace id of a traced request as exemplar', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await requestJson(`${service.url}/api/items?n=1`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    await requestJson(`${service.url}/api/items?n=1`, { headers: { traceparent: 'not-a-traceparent' } });
    const response = await fetch(`${service.url}/metrics`, {
      headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' },
    });
    expect(response.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const text = await response.text();
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(text).toMatch(
      new RegExp(
        `^http_requests_total\\{route="/api/items",method="GET",status="200"\\} \\d+ # \\{trace_id="${traceId}"\\} 1 `,
        'm',
      ),
    );
    expect(text).toMatch(
      new RegExp(`^http_request_duration_seconds_bucket\\{.*\\} \\d+ # \\{trace_id="${traceId}"\\}`, 'm'),
    );
    expect(text).not.toContain('not-a-traceparent');
  });

  it('keeps unknown paths in one series', async () => {
    for (let i = 0; i < 5; i++) await requestJson(`${service.url}/random-${i}`);
    const families = parsePrometheusText(await (await fetch(`${service.url}/metrics`)).text());
    const requests = families.find((family) => family.name === 'http_requests_total');
    const routes = new Set(requests?.metrics.map((m) => m.labels?.route));
    expect([...routes].filter((route) => route?.startsWith('/random'))).toEqual([]);
    expect(routes.has('unmatched')).toBe(true);
  });
});

describe('the process', () => {
  it('is still healthy after every bad input above', async () => {
    expect((await requestJson(`${service.url}/health`)).status).toBe(200);
    expect(service.child.exitCode).toBeNull();
  });

  it('refuses a malformed PORT with exit code 2 and a message', async () => {
    const spawned = spawnService({ PORT: 'eighty' });
    const status = await spawned.exited;
    expect(status.code).toBe(2);
    expect(spawned.stderr()).toContain('PORT must be an integer');
  }, 15_000);

  it('exits 1 with the reason when its port is taken', async () => {
    const spawned = spawnService({ PORT: new URL(service.url).port });
    const status = await spawned.exited;
    expect(status.code).toBe(1);
    expect(spawned.stderr()).toMatch(/failed to start: .*EADDRINUSE/);
  }, 15_000);

  it('answers 501 to ?gc=1 when gc is not exposed', async () => {
    const bare = await startService({ NODE_OPTIONS: '' });
    try {
      const response = await requestJson(`${bare.url}/api/monitoring/memory?gc=1`);
      expect(response.status).toBe(501);
      expect(response.body.error).toContain('--expose-gc');
    } finally {
      expect((await bare.stop()).code).toBe(0);
    }
  }, 30_000);
});
