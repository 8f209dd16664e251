// Starts the service: configuration, logging, metrics, memory monitor, HTTP server, and a
// graceful shutdown that answers in-flight requests and flushes the logs before exiting.
import type { AddressInfo } from 'node:net';
import { getHeapStatistics } from 'node:v8';
import { createScope, installShutdown } from '@heapwise/lifecycle';
import { createApp } from './app.js';
import {
  ConfigError,
  loadConfig,
  MANUAL_CLEANUP_INTERVAL_MS,
  SHUTDOWN_TIMEOUT_MS,
  type ServiceConfig,
} from './config.js';
import { adminAccess, authorizeAdmin, describeAdminAccess, type AdminAccess } from './http/admin-guard.js';
import { HttpError } from './http/errors.js';
import { createIntervalLimiter } from './http/interval-limiter.js';
import { createTelemetry } from './telemetry.js';

function readConfig(): ServiceConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`example-api: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

/** What memory this process actually got: the flags it runs with and V8's resulting heap limit. */
function describeMemoryPlan(): string {
  const heapLimitMb = Math.round(getHeapStatistics().heap_size_limit / 1024 / 1024);
  const flags = [process.env.NODE_OPTIONS?.trim(), process.execArgv.join(' ')].filter(Boolean).join(' ') || 'none';
  const gc = typeof (globalThis as { gc?: unknown }).gc === 'function' ? 'exposed' : 'not exposed';
  const goMemLimit = process.env.GOMEMLIMIT ?? 'unset';
  return `heap limit ${heapLimitMb} MB, gc ${gc}, GOMEMLIMIT ${goMemLimit}, node flags: ${flags}`;
}

function listen(server: import('node:http').Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

async function main(): Promise<void> {
  const config = readConfig();
  const scope = createScope('example-api');
  const telemetry = createTelemetry(config, scope);
  // Decided once the listening address is known (PORT=0, HOST=localhost resolve at listen time).
  const admin: { access?: AdminAccess } = {};
  const app = createApp({
    config,
    logger: telemetry.logger,
    metrics: telemetry.metrics,
    monitor: telemetry.monitor,
    logRequest: (req, res) => telemetry.logRequest(req, res),
    authorizeAdmin: (req) => {
      if (admin.access === undefined) throw new HttpError(503, 'starting');
      authorizeAdmin(admin.access, req.headers);
    },
    cleanupLimiter: createIntervalLimiter(MANUAL_CLEANUP_INTERVAL_MS),
  });
  // What a cleanup can free in this service: idle keep-alive sockets, and the demo leak when on.
  telemetry.registerCleanup('idle-connections', () => app.server.closeIdleConnections());
  if (config.demoLeak) telemetry.registerCleanup('demo-leak', () => app.state.leak.clear());
  // Installed before listening, so a signal during start-up is handled the same way.
  installShutdown({
    servers: [app.server],
    scope,
    timeoutMs: SHUTDOWN_TIMEOUT_MS,
    log: (message) => telemetry.logger.info({ shutdown: true }, message),
  });

  const address = await listen(app.server, config.port, config.host);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  // Plain lines on stdout (not JSON logs): the contract tests and the soak runner wait for them.
  const access = (admin.access = adminAccess(config.adminToken, address.address));
  console.log(`memory plan: ${describeMemoryPlan()}`);
  console.log(describeAdminAccess(access));
  // Last: whoever waits for this line (tests, the soak runner) has the lines above already.
  console.log(`listening on ${url}`);
  telemetry.logger.info(
    { url, logs: config.elasticsearchUrl ? 'elasticsearch' : 'stdout', demoLeak: config.demoLeak },
    'example-api started',
  );
  if (config.demoLeak) console.log('HEAPWISE_DEMO_LEAK=1: keeping a Map entry per request on purpose');
}

main().catch((error: unknown) => {
  console.error(`example-api: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
