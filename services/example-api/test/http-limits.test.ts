// The server's own limits against real sockets: a client that never finishes its headers is cut
// off, a connection past the cap is closed, an idle keep-alive socket is closed.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from './service-process.js';

let service: RunningService;
let port: number;
beforeAll(async () => {
  service = await startService({
    HTTP_HEADERS_TIMEOUT_MS: '1000',
    HTTP_REQUEST_TIMEOUT_MS: '2000',
    HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
    HTTP_MAX_CONNECTIONS: '3',
  });
  port = Number(new URL(service.url).port);
}, 30_000);
afterAll(async () => {
  expect((await service?.stop())?.code).toBe(0);
}, 15_000);

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * GET /health on a fresh socket that asks the server to close it afterwards, so that no pooled
 * keep-alive connection (fetch keeps some) counts against the connection cap later.
 */
async function health(): Promise<string> {
  const socket = await open();
  const closed = closedByServer(socket);
  socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  return (await closed).split('\r\n')[0];
}

/** Resolves with what the server sent once it closes the connection. */
function closedByServer(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.once('close', () => resolve(received));
  });
}

describe('HTTP server limits', () => {
  it('cuts off a client that sends its headers slowly and never finishes them', async () => {
    const socket = await open();
    const closed = closedByServer(socket);
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // one more header byte every 100 ms: a slowloris keeps the socket busy but never ends the head
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write('X');
    }, 100);
    try {
      const received = await closed;
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(drip);
    }
    expect(await health()).toBe('HTTP/1.1 200 OK');
  }, 20_000);

  it('closes connections past the cap as soon as they are accepted', async () => {
    const held = await Promise.all([open(), open(), open()]);
    // a request on a held socket proves the server has accepted (and counted) all three
    const answered = new Promise<string>((resolve) =>
      held[0].once('data', (chunk: Buffer) => resolve(chunk.toString())),
    );
    held[0].write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(await answered).toMatch(/^HTTP\/1\.1 200 /);
    const extra = await open();
    const received = await closedByServer(extra);
    expect(received).toBe('');
    for (const socket of held) socket.destroy();
    // the server counts the closes when it sees them; until then a new connection is still refused
    await expect.poll(() => health().catch(() => 'refused'), { timeout: 10_000 }).toBe('HTTP/1.1 200 OK');
  }, 20_000);

  it('announces and enforces the keep-alive timeout on an idle connection', async () => {
    const socket = await open();
    const closed = closedByServer(socket);
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    const received = await closed; // the server closes it once idle for the keep-alive timeout
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received).toMatch(/\r\nKeep-Alive: timeout=1\r\n/i);
  }, 20_000);

  it('refuses a headers timeout above the request timeout at start-up', async () => {
    const { spawnService } = await import('./service-process.js');
    const spawned = spawnService({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' });
    expect((await spawned.exited).code).toBe(2);
    expect(spawned.stderr()).toMatch(/HTTP_HEADERS_TIMEOUT_MS \(5000\) must not exceed HTTP_REQUEST_TIMEOUT_MS/);
  }, 15_000);
});
