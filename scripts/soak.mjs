#!/usr/bin/env node
// Soak test of services/example-api: does the heap grow with the number of requests served?
//
//   npm run soak -- --duration 60            # fixed service: expect PASS
//   npm run soak -- --duration 60 --leak     # HEAPWISE_DEMO_LEAK=1: expect FAIL
//
// Starts the built service through the `dev` profile (`heapwise run dev -- node dist/main.js`,
// which gives --expose-gc), warms it up, drives it with autocannon on 127.0.0.1, and every
// second forces a full GC in the service and reads heapUsed and RSS together with the
// completed-request count. The least-squares slope of heapUsed against requests is the
// verdict: above the threshold (bytes per request) the run fails with exit code 1.
// Exit codes: 0 pass, 1 fail (slope above threshold, or too little load to judge), 2 usage or setup error.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatMiB } from '@heapwise/node-options';
import { renderSoakChart } from './soak-chart.mjs';

/**
 * The verdict's limit: heap growth per completed request above this fails the soak. Keeping even one
 * small object per request costs tens of bytes, far above it; the fixed service measures about
 * -1 ± 0.1 B/request (bench/README.md, "Service"), well below it.
 */
export const THRESHOLD_BYTES_PER_REQUEST = 5;
/** Requests served before measuring, so JIT, caches and pools have reached their steady state. */
const DEFAULT_WARMUP_REQUESTS = 20_000;
const DEFAULT_DURATION_SECONDS = 60;
/** Upper bound of one load run; the runner stops it long before. */
const MAX_LOAD_SECONDS = 24 * 3600;
/** One forced-GC sample per interval. */
const SAMPLE_INTERVAL_MS = 1000;
/** Concurrent autocannon connections. */
const DEFAULT_CONNECTIONS = 10;
/** Fewer measured requests than this cannot tell 5 B/request from noise: the run fails as inconclusive. */
const MIN_MEASURED_REQUESTS = 5000;
/** How long the service may take to print its `listening on` line. */
const STARTUP_TIMEOUT_MS = 60_000;
/** How long the service may take to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 10_000;
/** How long one sampling request (which includes a full GC) may take. */
const SAMPLE_TIMEOUT_MS = 10_000;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const serviceDir = join(repoRoot, 'services', 'example-api');

/** Bad command-line input: the message and the usage text. */
class UsageError extends Error {}
/** The service could not be started or measured: the message only. */
class SetupError extends Error {}

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      out: { type: 'string' },
      leak: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const positiveInteger = (raw, name, fallback, min = 1) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min) {
      throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${raw}"`);
    }
    return value;
  };
  const out = resolve(values.out ?? 'soak-report.json');
  return {
    help: values.help,
    durationSeconds: positiveInteger(values.duration, 'duration', DEFAULT_DURATION_SECONDS, 3),
    warmupRequests: positiveInteger(values.warmup, 'warmup', DEFAULT_WARMUP_REQUESTS, 0),
    connections: positiveInteger(values.connections, 'connections', DEFAULT_CONNECTIONS),
    leak: values.leak,
    reportPath: out,
    chartPath: out.replace(/\.json$/i, '') + '.svg',
  };
}

const USAGE =
  'usage: npm run soak -- [--duration <s>] [--warmup <requests>] [--connections <n>] [--leak] [--out <file.json>]\n' +
  `  --duration     seconds of measured load (default ${DEFAULT_DURATION_SECONDS})
  --warmup       requests before measuring (default ${DEFAULT_WARMUP_REQUESTS})
  --connections  concurrent connections (default ${DEFAULT_CONNECTIONS})
  --leak         start the service with HEAPWISE_DEMO_LEAK=1 (a Map entry per request), to see a FAIL
  --out          report path (default ./soak-report.json); the SVG chart is written beside it
Fails (exit 1) when heapUsed grows by more than ${THRESHOLD_BYTES_PER_REQUEST} bytes per request.`;

/** Starts the built service through `heapwise run dev` and resolves once it prints its URL. */
function startService({ leak }) {
  const mainJs = join(serviceDir, 'dist', 'main.js');
  if (!existsSync(mainJs)) throw new SetupError(`${mainJs} does not exist: run \`npm run build\` first`);
  const require = createRequire(import.meta.url);
  const heapwiseBin = join(dirname(require.resolve('@heapwise/node-options/package.json')), 'bin', 'heapwise.js');
  const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', HEAPWISE_DEMO_LEAK: leak ? '1' : '0' };
  delete env.ELASTICSEARCH_URL; // logs go to stdout, which this runner reads and discards
  const child = spawn(process.execPath, [heapwiseBin, 'run', 'dev', '--', process.execPath, 'dist/main.js'], {
    cwd: serviceDir,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    // Own process group, so that a service left behind by a crashed wrapper can still be killed.
    detached: true,
  });
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  const listening = new Promise((resolveUrl, reject) => {
    let pending = '';
    const timer = setTimeout(
      () => reject(new Error(`service did not print "listening on" within ${STARTUP_TIMEOUT_MS} ms`)),
      STARTUP_TIMEOUT_MS,
    );
    const onData = (chunk) => {
      pending += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+)/.exec(pending);
      if (match) {
        clearTimeout(timer);
        pending = '';
        // Keep draining stdout (the service's logs) so that it never blocks on a full pipe.
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolveUrl(match[1]);
      } else if (pending.length > 1 << 20) {
        pending = pending.slice(-4096); // bounded: keep only the tail while waiting
      }
    };
    child.stdout.on('data', onData);
    // `exited` only ever resolves (on the child's exit event), so nothing here can go unhandled.
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`service exited before listening (code ${code}, signal ${signal})`));
    });
  });
  return { child, exited, listening };
}

async function sample(baseUrl) {
  // An admin route: the service asks for the token when ADMIN_TOKEN is set (it inherits ours).
  const response = await fetch(`${baseUrl}/api/monitoring/memory?gc=1`, {
    headers: process.env.ADMIN_TOKEN ? { authorization: `Bearer ${process.env.ADMIN_TOKEN}` } : {},
    signal: AbortSignal.timeout(SAMPLE_TIMEOUT_MS),
  });
  const body = await response.json();
  if (!response.ok)
    throw new SetupError(`memory probe failed (${response.status}): ${body.error ?? JSON.stringify(body)}`);
  return body;
}

function runLoad(baseUrl, options) {
  return autocannon({
    url: baseUrl,
    connections: options.connections,
    // Runs until stop(): warm-up and measurement end on the service's request count and the clock.
    duration: MAX_LOAD_SECONDS,
    // The work routes, in turn: build a JSON list, accept a JSON body, and a cheap one.
    requests: [
      { method: 'GET', path: '/api/items?n=20' },
      {
        method: 'POST',
        path: '/api/items',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'soak pen', quantity: 3 }),
      },
      { method: 'GET', path: '/health' },
    ],
  });
}

async function stopService(service, pid) {
  try {
    // Signal the service itself: the wrapper may not forward signals, and the service's own
    // graceful shutdown is part of what we exercise.
    process.kill(pid ?? service.child.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  const timeout = new Promise((resolveTimeout) => setTimeout(() => resolveTimeout('timeout'), STOP_TIMEOUT_MS).unref());
  const result = await Promise.race([service.exited, timeout]);
  if (result === 'timeout') {
    try {
      process.kill(-service.child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    return { code: null, signal: 'SIGKILL' };
  }
  return result;
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const startedAt = new Date();
  const service = startService(options);
  let servicePid;
  const cleanup = () => {
    try {
      process.kill(-service.child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const baseUrl = await service.listening;
    const first = await sample(baseUrl);
    servicePid = first.pid;
    console.log(`soak: service ${baseUrl} (pid ${servicePid}, demo leak ${options.leak ? 'ON' : 'off'})`);

    // One continuous load, and one forced-GC sample per second, for warm-up and measurement
    // alike. Any change of regime shows in the heap: stopping the load leaves the service idle
    // under forced GCs, which age and then flush the handlers' bytecode, and reconnects every
    // client; probing faster during the warm-up flushes more code than the measurement does.
    // Either way the measurement would start with a dip that reads as growth.
    const idleBefore = await sample(baseUrl);
    const load = runLoad(baseUrl, options);
    console.log(`soak: warm-up, ${options.warmupRequests} requests`);
    let current = idleBefore;
    while (current.requestsCompleted - idleBefore.requestsCompleted < options.warmupRequests) {
      await new Promise((r) => setTimeout(r, SAMPLE_INTERVAL_MS));
      current = await sample(baseUrl);
    }

    // Only samples taken while the load runs are fitted, so every point carries the same
    // in-flight state (sockets, parsers, buffers of the open requests); the idle samples
    // before and after are reported beside the fit.
    console.log(`soak: measuring for ${options.durationSeconds} s, one forced-GC sample per second`);
    const t0 = performance.now();
    const samples = [];
    let base;
    const record = (s) => {
      base ??= s;
      samples.push({
        elapsedMs: Math.round(performance.now() - t0),
        requests: s.requestsCompleted - base.requestsCompleted,
        heapUsed: s.heapUsed,
        rss: s.rss,
        external: s.external,
        arrayBuffers: s.arrayBuffers,
        spaces: s.spaces,
      });
    };
    record(current);
    const measureUntil = t0 + options.durationSeconds * 1000;
    while (performance.now() < measureUntil) {
      await new Promise((r) => setTimeout(r, SAMPLE_INTERVAL_MS));
      record(await sample(baseUrl));
    }
    load.stop();
    const loadResult = await load;
    const last = await sample(baseUrl);
    if (samples.length < 3) throw new SetupError(`only ${samples.length} samples under load; use a longer --duration`);

    // Loaded here, after the build check above, so a missing build reads as that and not as a missing module.
    const { fitSlope } = await import('@heapwise/lifecycle/testing');
    const fit = fitSlope(samples.map((s) => ({ x: s.requests, y: s.heapUsed })));
    const requests = samples[samples.length - 1].requests;
    const enoughLoad = requests >= MIN_MEASURED_REQUESTS;
    const verdict = enoughLoad && fit.slope <= THRESHOLD_BYTES_PER_REQUEST ? 'pass' : 'fail';
    const stopped = await stopService(service, servicePid);

    const report = {
      verdict,
      reason: !enoughLoad
        ? `inconclusive: only ${requests} requests measured (need ${MIN_MEASURED_REQUESTS})`
        : fit.slope > THRESHOLD_BYTES_PER_REQUEST
          ? `heap grows ${fit.slope.toFixed(2)} B/request, above ${THRESHOLD_BYTES_PER_REQUEST}`
          : `heap slope ${fit.slope.toFixed(2)} B/request is within ${THRESHOLD_BYTES_PER_REQUEST}`,
      thresholdBytesPerRequest: THRESHOLD_BYTES_PER_REQUEST,
      slopeBytesPerRequest: fit.slope,
      stdErrorBytesPerRequest: fit.stdError,
      interceptBytes: fit.intercept,
      requests,
      durationSeconds: options.durationSeconds,
      warmupRequests: options.warmupRequests,
      connections: options.connections,
      leak: options.leak,
      leakedEntries: last.leakedEntries,
      load: {
        note: 'autocannon figures over warm-up and measurement (one continuous run)',
        requestsPerSecondMean: loadResult.requests.average,
        latencyMsP50: loadResult.latency.p50,
        latencyMsP99: loadResult.latency.p99,
        errors: loadResult.errors,
        timeouts: loadResult.timeouts,
        non2xx: loadResult.non2xx,
      },
      heapUsedFirstBytes: samples[0].heapUsed,
      heapUsedLastBytes: samples[samples.length - 1].heapUsed,
      rssFirstBytes: samples[0].rss,
      rssLastBytes: samples[samples.length - 1].rss,
      idle: {
        note: 'forced-GC samples with no load, before and after the measured load (not in the fit)',
        before: { heapUsed: idleBefore.heapUsed, rss: idleBefore.rss, requestsCompleted: idleBefore.requestsCompleted },
        after: { heapUsed: last.heapUsed, rss: last.rss, requestsCompleted: last.requestsCompleted },
        bytesPerRequest:
          (last.heapUsed - idleBefore.heapUsed) / Math.max(1, last.requestsCompleted - idleBefore.requestsCompleted),
      },
      service: { exitCode: stopped.code, signal: stopped.signal },
      node: process.version,
      startedAt: startedAt.toISOString(),
      chart: options.chartPath,
      samples,
    };
    await mkdir(dirname(options.reportPath), { recursive: true });
    await writeFile(options.reportPath, JSON.stringify(report, null, 2) + '\n');
    await writeFile(options.chartPath, renderSoakChart({ ...report, fit }));

    console.log(
      `soak: ${requests} requests in ${options.durationSeconds} s, ${samples.length} samples; ` +
        `heapUsed ${formatMiB(report.heapUsedFirstBytes)} → ${formatMiB(report.heapUsedLastBytes)}, ` +
        `RSS ${formatMiB(report.rssFirstBytes)} → ${formatMiB(report.rssLastBytes)}`,
    );
    if (loadResult.errors || loadResult.non2xx) {
      console.log(`soak: warning: ${loadResult.errors} connection errors, ${loadResult.non2xx} non-2xx responses`);
    }
    console.log(`soak: report ${options.reportPath}`);
    console.log(`soak: chart  ${options.chartPath}`);
    console.log(
      `soak: ${verdict.toUpperCase()}: slope ${fit.slope.toFixed(2)} ± ${fit.stdError.toFixed(2)} B/request ` +
        `(threshold ${THRESHOLD_BYTES_PER_REQUEST})${enoughLoad ? '' : ` — ${report.reason}`}`,
    );
    return verdict === 'pass' ? 0 : 1;
  } catch (error) {
    const exited = service.child.exitCode ?? service.child.signalCode;
    cleanup();
    if (exited !== null && error instanceof Error) {
      throw new SetupError(`${error.message} (the service has exited: ${exited})`);
    }
    throw error;
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    const usage = error instanceof UsageError || String(error?.code).startsWith('ERR_PARSE_ARGS');
    console.error(`soak: ${usage || error instanceof SetupError ? '' : 'error: '}${error.message}`);
    if (usage) console.error(USAGE);
    process.exit(2);
  },
);
