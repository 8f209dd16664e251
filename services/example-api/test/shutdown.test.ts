import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SHUTDOWN_TIMEOUT_MS } from '../src/config.js';
import { requestJson, startService } from './service-process.js';

/** No wall clock here: past SHUTDOWN_TIMEOUT_MS the shutdown logs `deadline of … passed` and exits 1. */
const DEADLINE_PASSED = /deadline of \d+ ms passed/;
const IN_FLIGHT = 5;
const SLOW_MS = 1500;

/** Resolves with the response once it is complete; `sent` resolves once the request went out. */
function slowRequest(url: string): { sent: Promise<void>; done: Promise<{ status: number; body: string }> } {
  let markSent!: () => void;
  const sent = new Promise<void>((resolve) => (markSent = resolve));
  const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(`${url}/api/slow?ms=${SLOW_MS}`, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(() => markSent());
  });
  return { sent, done };
}

describe('graceful shutdown', () => {
  it('answers every in-flight /api/slow request after SIGTERM and exits 0 before the deadline', async () => {
    const service = await startService();
    const requests = Array.from({ length: IN_FLIGHT }, () => slowRequest(service.url));
    await Promise.all(requests.map((r) => r.sent));
    // The requests are on the wire; make sure the service has parsed them (a request it has
    // not read yet would be a connection, not an in-flight request).
    await requestJson(`${service.url}/health`);

    service.child.kill('SIGTERM');
    const responses = await Promise.all(requests.map((r) => r.done));
    const status = await service.exited;

    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ delayedMs: SLOW_MS });
    }
    expect(service.stdout()).toContain(`draining (deadline ${SHUTDOWN_TIMEOUT_MS} ms)`);
    expect(status).toEqual({ code: 0, signal: null });
    expect(service.stdout()).not.toMatch(DEADLINE_PASSED);
    // New connections are refused once it has gone.
    await expect(fetch(`${service.url}/health`)).rejects.toThrow();
  }, 30_000);

  it('exits 0 when idle: an idle keep-alive socket does not hold it until the deadline', async () => {
    const service = await startService();
    await requestJson(`${service.url}/health`); // leaves an idle keep-alive socket behind
    const status = await service.stop();
    expect(status).toEqual({ code: 0, signal: null });
    expect(service.stdout()).not.toMatch(DEADLINE_PASSED);
  }, 30_000);
});
