import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsHandler, createRegistry, type Registry } from '../src/index.js';
import { family } from './helpers.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection (agent: false) so no pooled socket outlives the test. */
function send(port: number, method: string, path: string, timeoutMs = 5000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end();
  });
}

const servers: Server[] = [];
async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('/metrics handler', () => {
  it('serves the exposition over a real node:http server', async () => {
    const registry = createRegistry();
    registry.counter({ name: 'served_total', help: 'x', labelNames: ['path'] }).inc({ path: 'a"b' }, 3);
    const port = await listen(createMetricsHandler(registry));
    const reply = await send(port, 'GET', '/metrics?debug=1');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(Number(reply.headers['content-length'])).toBe(Buffer.byteLength(reply.body));
    expect(family(reply.body, 'served_total').metrics).toEqual([{ labels: { path: 'a"b' }, value: '3' }]);

    const head = await send(port, 'HEAD', '/metrics');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await send(port, 'POST', '/metrics')).status).toBe(405);
    expect((await send(port, 'GET', '/other')).status).toBe(404);
    await registry.destroy();
  });

  it('works as express middleware: next() for other paths, originalUrl if mounted, next(error) on error', async () => {
    const registry = createRegistry();
    registry.gauge({ name: 'mw', help: 'x' }).set(7);
    const handler = createMetricsHandler(registry, { path: '/internal/metrics' });
    const failing = createMetricsHandler(
      { contentType: 'text/plain', metrics: () => Promise.reject(new Error('scrape failed')) } as unknown as Registry,
      { path: '/broken' },
    );
    const port = await listen((req, res) => {
      // a minimal express-like chain: mounted at /internal, so req.url loses the prefix
      const next = (error?: unknown): void => {
        res.writeHead(error ? 502 : 418).end(error ? `error: ${(error as Error).message}` : 'fell through');
      };
      if (req.url === '/broken') return failing(req, res, next);
      const mounted = Object.assign(req, { originalUrl: req.url, url: req.url!.replace(/^\/internal/, '') || '/' });
      handler(mounted, res, next);
    });
    const ok = await send(port, 'GET', '/internal/metrics');
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('\nmw 7\n');
    expect(await send(port, 'GET', '/internal/other')).toMatchObject({ status: 418, body: 'fell through' });
    expect(await send(port, 'GET', '/broken')).toMatchObject({ status: 502, body: 'error: scrape failed' });
    await registry.destroy();
  });

  it('answers 500 without next() when the scrape fails', async () => {
    const failing = createMetricsHandler({
      contentType: 'text/plain',
      metrics: () => Promise.reject(new Error('x')),
    } as unknown as Registry);
    const port = await listen((req, res) => failing(req, res));
    expect((await send(port, 'GET', '/metrics')).status).toBe(500);
  });
});
