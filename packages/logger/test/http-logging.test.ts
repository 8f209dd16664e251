import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpLogging, createLogger, HTTP_LOGGING_DEFAULTS, redactUrl } from '../src/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

function call(url: string, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function setup(options: Partial<Parameters<typeof createHttpLogging>[0]> = {}) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const httpLogging = createHttpLogging({ logger, ...options });
  return { lines, httpLogging };
}

async function waitForLines(lines: unknown[], count: number): Promise<void> {
  for (let i = 0; i < 200 && lines.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('HTTP logging middleware', () => {
  it('node:http: one line per request with method, redacted url, status, duration and sizes', async () => {
    const { lines, httpLogging } = setup();
    const url = await serve((req, res) => {
      httpLogging(req, res);
      req.resume();
      req.on('end', () => {
        res.statusCode = 201;
        res.write('hello ');
        res.end(Buffer.from('world'));
      });
    });
    const reply = await call(`${url}/login?user=ann&token=abc123&API_KEY=k&page=2#frag`, 'POST', 'x'.repeat(42));
    expect(reply).toEqual({ status: 201, body: 'hello world' });
    await waitForLines(lines, 1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      method: 'POST',
      url: '/login?user=ann&token=[Redacted]&API_KEY=[Redacted]&page=2',
      statusCode: 201,
      requestBytes: 42,
      responseBytes: 11,
    });
    expect(lines[0]?.['durationMs']).toBeGreaterThanOrEqual(0);
    expect(lines[0]?.['responseBody']).toBeUndefined();
    expect(JSON.stringify(lines[0])).not.toContain('abc123');
  });

  it('express-style (req, res, next): calls next, logs 4xx as warn and 5xx as error', async () => {
    const { lines, httpLogging } = setup();
    let nextCalls = 0;
    const url = await serve((req, res) => {
      httpLogging(req, res, () => {
        nextCalls++;
        res.statusCode = req.url === '/missing' ? 404 : 500;
        res.end('no');
      });
    });
    await call(`${url}/missing`);
    await call(`${url}/broken`);
    await waitForLines(lines, 2);
    expect(nextCalls).toBe(2);
    expect(lines.map((line) => [line['level'], line['statusCode']])).toEqual([
      [40, 404],
      [50, 500],
    ]);
  });

  it('captures the response body up to maxResponseBufferBytes, then stops and says so', async () => {
    const { lines, httpLogging } = setup({ captureResponseBody: true, maxResponseBufferBytes: 1_000 });
    const url = await serve((req, res) => {
      httpLogging(req, res);
      if (req.url === '/small') {
        res.end('{"ok":true}');
        return;
      }
      for (let i = 0; i < 30; i++) res.write('y'.repeat(100));
      res.end();
    });
    await call(`${url}/small`);
    const big = await call(`${url}/big`);
    expect(big.body).toHaveLength(3_000);
    await waitForLines(lines, 2);
    expect(lines[0]).toMatchObject({ responseBody: '{"ok":true}', responseBytes: 11 });
    expect(lines[0]?.['responseBodyTruncated']).toBeUndefined();
    expect(lines[1]).toMatchObject({ responseBytes: 3_000, responseBodyTruncated: true });
    expect(lines[1]?.['responseBody']).toHaveLength(1_000);
    expect(HTTP_LOGGING_DEFAULTS.maxResponseBufferBytes).toBe(10 * 1024 * 1024);
  });

  it('captured bodies are redacted: JSON and form bodies by key; unreadable JSON is not written', async () => {
    const { lines, httpLogging } = setup({ captureResponseBody: true, maxResponseBufferBytes: 200 });
    const bodies: Record<string, [string, string]> = {
      '/json': [
        'application/json; charset=utf-8',
        '{"user":"ann","password":"pw-SECRET","session":{"token":"t-SECRET"},"n":[1,2]}',
      ],
      '/form': ['application/x-www-form-urlencoded', 'access_token=form-SECRET&token_type=bearer&expires_in=3600'],
      '/cut': ['application/json', JSON.stringify({ pad: 'p'.repeat(190), password: 'cut-SECRET' })],
      '/untyped': ['', '{"apiKey":"untyped-SECRET"}'],
      '/text': ['text/plain', 'see http://admin:hunter2@host/ for details'],
    };
    const url = await serve((req, res) => {
      httpLogging(req, res);
      const [type, body] = bodies[req.url ?? ''] ?? ['', ''];
      if (type !== '') res.setHeader('content-type', type);
      res.end(body);
    });
    for (const path of Object.keys(bodies)) await call(`${url}${path}`);
    await waitForLines(lines, 5);
    for (const line of lines) expect(JSON.stringify(line)).not.toMatch(/SECRET|hunter2/);
    const byUrl = Object.fromEntries(lines.map((line) => [line['url'], line['responseBody']]));
    expect(JSON.parse(byUrl['/json'] as string)).toEqual({
      user: 'ann',
      password: '[Redacted]',
      session: { token: '[Redacted]' },
      n: [1, 2],
    });
    expect(byUrl['/form']).toBe('access_token=[Redacted]&token_type=bearer&expires_in=3600');
    expect(byUrl['/cut']).toBe('[Unreadable]');
    expect(JSON.parse(byUrl['/untyped'] as string)).toEqual({ apiKey: '[Redacted]' });
    expect(byUrl['/text']).toBe('see http://[Redacted]@host/ for details');
  });

  it('logs an aborted request once, when the client goes away before the response ends', async () => {
    const { lines, httpLogging } = setup({ captureResponseBody: true });
    let serverSawClose: () => void = () => {};
    const closed = new Promise<void>((resolve) => (serverSawClose = resolve));
    const url = await serve((req, res) => {
      httpLogging(req, res);
      res.write('partial');
      res.on('close', () => serverSawClose());
    });
    await new Promise<void>((resolve) => {
      const req = request(`${url}/slow`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => resolve());
      req.end();
    });
    await closed;
    await waitForLines(lines, 1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ aborted: true, level: 50, responseBody: 'partial' });
  });

  it('redactUrl keeps everything but the secret values', () => {
    const secrets = new Set(['token', 'password']);
    expect(redactUrl('/a/b', secrets)).toBe('/a/b');
    expect(redactUrl('/a?Token=1&x=%zz&password&ok=2', secrets)).toBe('/a?Token=[Redacted]&x=%zz&password&ok=2');
    expect(redactUrl('/a?pass%77ord=s#h', secrets)).toBe('/a?pass%77ord=[Redacted]#h');
  });
});
