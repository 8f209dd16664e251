import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, createServer, get, type IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createScope, installShutdown } from '../src/index.js';
import { expectNoOpenHandles } from '../src/testing/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/shutdown-server.ts', import.meta.url));

interface Fixture {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  requestsSeen: () => number;
  exited: Promise<{ code: number | null }>;
}

async function startFixture(env: Record<string, string> = {}): Promise<Fixture> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null }));
  const port = await waitFor(
    () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1],
    30_000,
    () => stderr,
  );
  return {
    child,
    port: Number(port),
    stdout: () => stdout,
    stderr: () => stderr,
    requestsSeen: () => stdout.match(/^request \d+$/gm)?.length ?? 0,
    exited,
  };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, context: () => string = () => ''): Promise<T> {
  const startedAt = performance.now();
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() - startedAt > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms; ${context()}`);
    await sleep(10);
  }
}

interface Answer {
  status: number | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

function request(port: number, path: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** The fixture's `exit CODE active=[...]` line: handles still open two turns after shutdown. */
function activeAfterExit(stdout: string): string[] | undefined {
  const match = /^exit \d+ active=(.*)$/m.exec(stdout);
  return match?.[1] === undefined ? undefined : (JSON.parse(match[1]) as string[]);
}

describe('installShutdown in a real child process', () => {
  it('answers 50 in-flight keep-alive requests, then exits 0 before the deadline, nothing open', async () => {
    const server = await startFixture();
    const agent = new Agent({ keepAlive: true, maxSockets: 60 });
    try {
      // 60 sockets kept alive, then 50 of them busy with 2 s requests: 10 stay idle.
      await Promise.all(Array.from({ length: 60 }, () => request(server.port, '/slow?ms=0', agent)));
      const slow = Promise.all(Array.from({ length: 50 }, () => request(server.port, '/slow?ms=2000', agent)));
      await waitFor(() => server.requestsSeen() >= 110, 20_000, server.stderr);

      server.child.kill('SIGTERM');
      const answers = await slow;
      const { code } = await server.exited;

      expect(answers.filter((answer) => answer.status === 200 && answer.body === 'slept 2000\n')).toHaveLength(50);
      expect(answers.every((answer) => answer.headers.connection === 'close')).toBe(true);
      // Before the deadline: when it passes, shutdown says so and exits 1.
      expect(code).toBe(0);
      expect(server.stderr()).not.toMatch(/deadline of \d+ ms passed/);
      // Only the child's own stdio pipes remain: no server, socket or timer.
      expect(activeAfterExit(server.stdout())?.filter((type) => type !== 'PipeWrap')).toEqual([]);
      expect(server.stderr()).toContain('shutdown: SIGTERM, draining');
    } finally {
      agent.destroy();
      server.child.kill('SIGKILL');
    }
  }, 60_000);

  it('exits 1 at once on a second signal', async () => {
    const server = await startFixture({ TIMEOUT_MS: '30000' });
    const agent = new Agent({ keepAlive: true });
    try {
      const pending = request(server.port, '/slow?ms=20000', agent).catch((error: unknown) => error);
      await waitFor(() => server.requestsSeen() >= 1, 20_000, server.stderr);
      server.child.kill('SIGTERM');
      await waitFor(() => server.stderr().includes('draining'), 20_000, server.stderr);

      server.child.kill('SIGINT');
      const { code } = await server.exited;

      expect(code).toBe(1);
      expect(server.stderr()).toContain('second SIGINT, exiting now');
      // "At once": neither the 30 s deadline passed nor the 20 s request was answered.
      expect(server.stderr()).not.toMatch(/deadline of \d+ ms passed/);
      expect(await pending).toBeInstanceOf(Error);
    } finally {
      agent.destroy();
      server.child.kill('SIGKILL');
    }
  }, 60_000);

  it('past the deadline exits 1 naming the open server, its in-flight request and the scope entries', async () => {
    const deadlineMs = 1000;
    const server = await startFixture({ TIMEOUT_MS: String(deadlineMs), STUCK_RESOURCE: '1' });
    const agent = new Agent({ keepAlive: true });
    try {
      const pending = request(server.port, '/slow?ms=30000', agent).catch((error: unknown) => error);
      await waitFor(() => server.requestsSeen() >= 1, 20_000, server.stderr);
      server.child.kill('SIGTERM');
      const { code } = await server.exited;

      expect(code).toBe(1);
      // The deadline ended it, not the 30 s request: that was never answered.
      expect(await pending).toBeInstanceOf(Error);
      const log = server.stderr();
      expect(log).toMatch(/deadline of 1000 ms passed; still open: server 127\.0\.0\.1:\d+ \(1 in-flight requests\)/);
      expect(log).toContain('scope fixture: resource stuck-resource');
      expect(log).toContain('scope fixture: interval heartbeat');
      expect(log).toMatch(/active resources: .*TCPSocketWrap/);
    } finally {
      agent.destroy();
      server.child.kill('SIGKILL');
    }
  }, 60_000);

  it('exits 1 naming a scope resource that does not close by the deadline', async () => {
    const server = await startFixture({ TIMEOUT_MS: '800', STUCK_RESOURCE: '1' });
    try {
      server.child.kill('SIGTERM');
      const { code } = await server.exited;
      expect(code).toBe(1);
      expect(server.stderr()).toContain('shutdown: scope fixture did not close in time: resource stuck-resource');
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('installShutdown in process', () => {
  it('uninstall() removes every listener it added', () => {
    const server = createServer();
    const before = {
      term: process.listenerCount('SIGTERM'),
      int: process.listenerCount('SIGINT'),
      hup: process.listenerCount('SIGHUP'),
      request: server.listenerCount('request'),
    };
    const handle = installShutdown({ servers: [server], signals: ['SIGTERM', 'SIGINT', 'SIGHUP'], exit: () => {} });
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
    expect(process.listenerCount('SIGHUP')).toBe(before.hup + 1);
    expect(server.listenerCount('request')).toBe(before.request + 1);
    handle.uninstall();
    handle.uninstall();
    expect({
      term: process.listenerCount('SIGTERM'),
      int: process.listenerCount('SIGINT'),
      hup: process.listenerCount('SIGHUP'),
      request: server.listenerCount('request'),
    }).toEqual(before);
  });

  it('shutdown() drains, closes the scope, calls exit(0) once and leaves no handle and no listener', async () => {
    const listenersBefore = process.listenerCount('SIGTERM');
    const exits: number[] = [];
    const logs: string[] = [];
    await expectNoOpenHandles(async () => {
      const scope = createScope('service');
      let requestsSeen = 0;
      let secondArrived!: () => void;
      const secondRequestArrived = new Promise<void>((resolve) => (secondArrived = resolve));
      const server = createServer((_request, response) => {
        if (++requestsSeen === 2) secondArrived();
        scope.setTimeout(() => response.end('ok'), 100, 'reply');
      });
      scope.adopt(server, () => undefined, 'server');
      scope.setInterval(() => {}, 1000, 'poll', { ref: true });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
      // Installed at startup, before requests arrive: it tracks in-flight requests from then on.
      const handle = installShutdown({
        servers: [server],
        scope,
        exit: (code) => exits.push(code),
        log: (line) => logs.push(line),
      });
      const agent = new Agent({ keepAlive: true });
      const idle = await request(address.port, '/', agent); // leaves one idle keep-alive socket
      const inFlight = request(address.port, '/', agent);
      // Shut down only once the server holds the request: before that, closing the idle socket
      // it travels on is the keep-alive race every client must retry, not what this test is about.
      await secondRequestArrived;

      const code = await handle.shutdown('test');
      const answer = await inFlight;
      agent.destroy();

      expect(idle.status).toBe(200);
      expect(answer.status).toBe(200);
      expect(answer.headers.connection).toBe('close');
      expect(code).toBe(0);
      expect(await handle.shutdown()).toBe(0);
      expect(scope.closed).toBe(true);
    });
    expect(exits).toEqual([0]);
    expect(logs).toEqual(['shutdown: test, draining (deadline 5000 ms)']);
    expect(process.listenerCount('SIGTERM')).toBe(listenersBefore);
  });

  it('exits 1 when onSignal fails, after still closing the scope', async () => {
    const exits: number[] = [];
    const scope = createScope('failing');
    const handle = installShutdown({
      scope,
      onSignal: () => Promise.reject(new Error('readiness probe stuck')),
      exit: (code) => exits.push(code),
      log: () => {},
    });
    expect(await handle.shutdown()).toBe(1);
    expect(exits).toEqual([1]);
    expect(scope.closed).toBe(true);
  });
});
