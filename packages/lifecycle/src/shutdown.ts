import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { CloseReport, Scope } from './scope.js';

/** How long a shutdown may take before it names what is still open and exits 1. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;
/** Signals that start a shutdown when none are given. */
export const DEFAULT_SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
/**
 * While draining, idle keep-alive sockets are closed this often: a response whose headers went
 * out before the shutdown could not carry `Connection: close`, so its socket turns idle later.
 */
export const CLOSE_IDLE_INTERVAL_MS = 50;

export interface ShutdownOptions {
  /** Default `['SIGTERM', 'SIGINT']`. */
  signals?: NodeJS.Signals[];
  /** Default 5000. Past it the shutdown logs what is still open and exits 1. */
  timeoutMs?: number;
  /** Closed after the servers drained, with what remains of `timeoutMs` as its deadline. */
  scope?: Scope;
  /** Stop accepting, let in-flight requests finish with `Connection: close`, close idle sockets. */
  servers?: Server[];
  /** Runs first (for example: fail the readiness probe, stop consumers). Bounded by `timeoutMs`. */
  onSignal?: (signal: string) => unknown;
  /** Default `process.exit`. Called once, with 0 (clean) or 1. */
  exit?: (code: number) => void;
  /** Default: a line on stderr. */
  log?: (message: string) => void;
}

export interface ShutdownHandle {
  /** Removes every listener `installShutdown` added and clears its timers. */
  uninstall(): void;
  /** Starts the shutdown (same as the first signal); resolves with the exit code it passed to `exit`. */
  shutdown(reason?: string): Promise<number>;
}

interface TrackedServer {
  server: Server;
  /** Responses not finished yet; bounded by the server's own concurrent requests. */
  inFlight: Set<ServerResponse>;
  onRequest: (request: IncomingMessage, response: ServerResponse) => void;
  closed: boolean;
  /** Its address, taken before close() (after it, address() is null). */
  label: string;
}

function describeServer(server: Server): string {
  const address = server.address();
  if (address === null) return 'server (not listening)';
  if (typeof address === 'string') return `server ${address}`;
  return `server ${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

function markConnectionClose(response: ServerResponse): void {
  if (response.headersSent) return;
  // Both: the header tells the client's agent not to reuse the socket, and shouldKeepAlive = false
  // makes Node end the socket once this response is written.
  response.shouldKeepAlive = false;
  response.setHeader('Connection', 'close');
}

function summarizeActiveResources(): string {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts].map(([type, count]) => `${type} x${count}`).join(', ') || 'none';
}

/**
 * Graceful shutdown on the first signal: run `onSignal`, stop accepting, drain in-flight HTTP
 * requests (`Connection: close` on their responses, idle keep-alive sockets closed repeatedly),
 * close the scope, exit 0. Past `timeoutMs`, log what is still open and exit 1. A second signal
 * exits 1 at once.
 */
export function installShutdown(options: ShutdownOptions): ShutdownHandle {
  const signals = options.signals ?? [...DEFAULT_SHUTDOWN_SIGNALS];
  const timeoutMs = options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const scope = options.scope;

  let shuttingDown: Promise<number> | undefined;
  let exited = false;
  let deadlineTimer: NodeJS.Timeout | undefined;
  let closeIdleTimer: NodeJS.Timeout | undefined;
  let scopeClosing: Promise<CloseReport> | undefined;

  const tracked: TrackedServer[] = (options.servers ?? []).map((server) => {
    const entry: TrackedServer = {
      server,
      inFlight: new Set(),
      closed: false,
      label: describeServer(server),
      onRequest: (_request, response) => {
        entry.inFlight.add(response);
        response.once('close', () => entry.inFlight.delete(response));
        // A request that arrives on a kept-alive socket during the drain is served, then the socket ends.
        if (shuttingDown !== undefined) markConnectionClose(response);
      },
    };
    // prependListener: mark the response before the application's handler can send headers.
    server.prependListener('request', entry.onRequest);
    return entry;
  });

  const onSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown === undefined) {
      void shutdown(signal);
      return;
    }
    log(`shutdown: second ${signal}, exiting now`);
    finish(1);
  };
  for (const signal of signals) process.on(signal, onSignal);

  function clearTimers(): void {
    clearTimeout(deadlineTimer);
    clearInterval(closeIdleTimer);
    deadlineTimer = undefined;
    closeIdleTimer = undefined;
  }

  function uninstall(): void {
    for (const signal of signals) process.removeListener(signal, onSignal);
    for (const entry of tracked) entry.server.removeListener('request', entry.onRequest);
    clearTimers();
  }

  let resolveCode: (code: number) => void = () => {};

  function finish(code: number): void {
    if (exited) return;
    exited = true;
    uninstall();
    resolveCode(code);
    exit(code);
  }

  function describeOpen(): string {
    const open: string[] = [];
    for (const entry of tracked) {
      if (entry.closed) continue;
      open.push(`${entry.label} (${entry.inFlight.size} in-flight requests)`);
    }
    if (scope !== undefined && !scope.closed) {
      for (const item of scope.stats().live) open.push(`scope ${scope.name}: ${item.kind} ${item.name}`);
    }
    return open.join('; ') || 'nothing of ours';
  }

  async function drain(entry: TrackedServer): Promise<void> {
    if (entry.server.listening) entry.label = describeServer(entry.server);
    for (const response of entry.inFlight) markConnectionClose(response);
    await new Promise<void>((resolve) => {
      // close() stops accepting and resolves once every connection ended; ERR_SERVER_NOT_RUNNING
      // (never listened, or closed already) means there is nothing to wait for.
      entry.server.close(() => resolve());
      entry.server.closeIdleConnections();
    });
    entry.closed = true;
  }

  async function run(reason: string): Promise<number> {
    log(`shutdown: ${reason}, draining (deadline ${timeoutMs} ms)`);
    const startedAt = performance.now();
    let code = 0;

    if (options.onSignal !== undefined) {
      try {
        await options.onSignal(reason);
      } catch (error) {
        code = 1;
        log(`shutdown: onSignal failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }

    if (tracked.length > 0) {
      closeIdleTimer = setInterval(() => {
        for (const entry of tracked) if (!entry.closed) entry.server.closeIdleConnections();
      }, CLOSE_IDLE_INTERVAL_MS);
      closeIdleTimer.unref();
      await Promise.all(tracked.map(drain));
      clearInterval(closeIdleTimer);
    }

    if (scope !== undefined) {
      const remainingMs = Math.max(0, timeoutMs - (performance.now() - startedAt));
      scopeClosing = scope.close(remainingMs);
      const report = await scopeClosing;
      if (!report.closedInTime) {
        code = 1;
        log(`shutdown: scope ${report.name} did not close in time: ${report.pending.join(', ')}`);
      }
      for (const error of report.errors) {
        code = 1;
        log(`shutdown: closing scope ${report.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return code;
  }

  function shutdown(reason = 'shutdown requested'): Promise<number> {
    if (shuttingDown !== undefined) return shuttingDown;
    shuttingDown = new Promise<number>((resolve) => {
      resolveCode = resolve;
    });
    // Ref'd on purpose: the deadline must fire even when whatever we wait for holds no handle.
    deadlineTimer = setTimeout(() => {
      // The scope got what remained of timeoutMs as its own deadline, so its report is due now:
      // run() logs what it names and exits 1; this only makes sure the exit happens.
      if (scopeClosing !== undefined) {
        void scopeClosing.finally(() => finish(1));
        return;
      }
      log(
        `shutdown: deadline of ${timeoutMs} ms passed; still open: ${describeOpen()}; ` +
          `active resources: ${summarizeActiveResources()}`,
      );
      finish(1);
    }, timeoutMs);
    run(reason).then(
      (code) => finish(code),
      (error: unknown) => {
        log(`shutdown: failed: ${error instanceof Error ? error.message : String(error)}`);
        finish(1);
      },
    );
    return shuttingDown;
  }

  return { uninstall, shutdown };
}
