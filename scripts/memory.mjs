#!/usr/bin/env node
// Operations commands against a running example-api (SERVICE_URL, default http://127.0.0.1:3000):
//
//   npm run memory:report                 status, heap, RSS, external, array buffers, thresholds, recent cleanups
//   npm run memory:cleanup [-- aggressive] run the monitor's cleanup actions now (aggressive also forces a GC)
//   npm run memory:monitor [-- <seconds>] one line per interval until Ctrl-C (default every 5 s)
//   npm run memory:thresholds 1500,2500   warning and critical thresholds, in MB
//
// cleanup and thresholds are admin routes: when the service runs with ADMIN_TOKEN, set the same
// ADMIN_TOKEN here; it is sent as `Authorization: Bearer <token>` and never printed.
//
// Exit codes: 0 done, 1 the service is unreachable or answered an error, 2 malformed input.
import { formatReport, formatStatusLine } from './memory-format.mjs';

const DEFAULT_SERVICE_URL = 'http://127.0.0.1:3000';
/** A request that takes longer than this means the service is stuck, not slow. */
const REQUEST_TIMEOUT_MS = 5000;
const DEFAULT_MONITOR_INTERVAL_S = 5;
/** Longest accepted monitor interval (1 h): anything above is a typo. */
const MAX_MONITOR_INTERVAL_S = 3600;
const MEMORY_PATH = '/api/monitoring/memory';

class CommandError extends Error {
  constructor(message, exitCode) {
    super(message);
    this.exitCode = exitCode;
  }
}

const USAGE = `usage: node scripts/memory.mjs report
       node scripts/memory.mjs cleanup [moderate|aggressive]
       node scripts/memory.mjs monitor [seconds]
       node scripts/memory.mjs thresholds <warningMb>,<criticalMb>
  (npm run memory:report, memory:cleanup, memory:monitor, memory:thresholds 1500,2500)
  SERVICE_URL  the service to talk to (default ${DEFAULT_SERVICE_URL})
  ADMIN_TOKEN  the service's admin token, for cleanup and thresholds (when it has one)`;

function serviceUrl() {
  const raw = process.env.SERVICE_URL || DEFAULT_SERVICE_URL;
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new CommandError(`SERVICE_URL is not a URL: "${raw}" (expected e.g. ${DEFAULT_SERVICE_URL})`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CommandError(`SERVICE_URL must be http(s)://host:port, got "${raw}"`, 2);
  }
  return url.origin;
}

async function call(method, body) {
  const base = serviceUrl();
  let response;
  try {
    response = await fetch(base + MEMORY_PATH, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(process.env.ADMIN_TOKEN ? { authorization: `Bearer ${process.env.ADMIN_TOKEN}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = error?.cause?.code ?? error?.name ?? 'error';
    const hint =
      cause === 'ECONNREFUSED'
        ? `is the service running? start it with \`npm start\` (or set SERVICE_URL)`
        : cause === 'TimeoutError'
          ? `no answer within ${REQUEST_TIMEOUT_MS} ms`
          : error?.cause?.message === 'bad port'
            ? 'fetch refuses this port (reserved for another protocol); use another one'
            : String(error?.cause?.message ?? error?.message ?? error);
    throw new CommandError(`cannot reach the service at ${base} (${cause}): ${hint}`, 1);
  }
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CommandError(`${base}${MEMORY_PATH} answered ${response.status} with non-JSON: ${text.slice(0, 200)}`, 1);
  }
  if (!response.ok) {
    const hint =
      response.status === 401 || response.status === 403
        ? process.env.ADMIN_TOKEN
          ? " (ADMIN_TOKEN is set here: is it the service's?)"
          : " (set ADMIN_TOKEN to the service's admin token)"
        : response.status === 429
          ? ` (retry after ${response.headers.get('retry-after') ?? '?'} s)`
          : '';
    throw new CommandError(
      `${base}${MEMORY_PATH} answered ${response.status}: ${json?.error ?? text.slice(0, 200)}${hint}`,
      1,
    );
  }
  return json;
}

/** "1500,2500" → { warning: 1500, critical: 2500 }; anything else is a usage error. */
export function parseThresholds(raw) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*$/.exec(raw ?? '');
  if (!match)
    throw new CommandError(`thresholds must be "<warningMb>,<criticalMb>", e.g. 1500,2500; got "${raw ?? ''}"`, 2);
  const warning = Number(match[1]);
  const critical = Number(match[2]);
  if (warning <= 0 || critical <= 0) throw new CommandError('thresholds must be positive numbers of MB', 2);
  if (warning >= critical)
    throw new CommandError(`the warning threshold (${warning}) must be below the critical one (${critical})`, 2);
  return { warning, critical };
}

function parseInterval(raw) {
  if (raw === undefined) return DEFAULT_MONITOR_INTERVAL_S;
  const seconds = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || seconds <= 0 || seconds > MAX_MONITOR_INTERVAL_S) {
    throw new CommandError(
      `monitor interval must be a number of seconds in (0, ${MAX_MONITOR_INTERVAL_S}], got "${raw}"`,
      2,
    );
  }
  return seconds;
}

async function monitor(intervalS) {
  console.log(`memory:monitor ${serviceUrl()} every ${intervalS} s (Ctrl-C to stop)`);
  let stopped = false;
  process.once('SIGINT', () => {
    stopped = true;
    process.exit(0);
  });
  while (!stopped) {
    const startedAt = Date.now();
    try {
      console.log(formatStatusLine(await call('GET'), new Date()));
    } catch (error) {
      if (error instanceof Error && !(error instanceof CommandError)) throw new CommandError(error.message, 1);
      // Keep watching: a restarting service should not end the monitor, but say so every interval.
      if (!(error instanceof CommandError) || error.exitCode !== 1) throw error;
      console.log(`${new Date().toISOString()}  unreachable: ${error.message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalS * 1000 - (Date.now() - startedAt))));
  }
}

async function main(argv) {
  const [command, ...args] = argv;
  switch (command) {
    case 'report':
      console.log(formatReport(await call('GET'), serviceUrl()));
      return;
    case 'cleanup': {
      const level = args[0] ?? 'moderate';
      if (level !== 'moderate' && level !== 'aggressive') {
        throw new CommandError(`cleanup level must be "moderate" or "aggressive", got "${level}"`, 2);
      }
      const answer = await call('POST', { action: 'cleanup', level });
      const c = answer.cleanup;
      console.log(
        c
          ? `cleanup (${c.level}) done in ${Number(c.durationMs).toFixed(1)} ms, ` +
              `freed ${(c.freedBytes / 1024 / 1024).toFixed(1)} MB`
          : 'cleanup done',
      );
      console.log(formatReport(answer.report ?? answer, serviceUrl()));
      return;
    }
    case 'monitor':
      await monitor(parseInterval(args[0]));
      return;
    case 'thresholds': {
      const thresholds = parseThresholds(args.join(''));
      const answer = await call('POST', { action: 'updateThresholds', thresholds });
      console.log(`thresholds set: warning ${thresholds.warning} MB, critical ${thresholds.critical} MB`);
      console.log(formatReport(answer.report ?? answer, serviceUrl()));
      return;
    }
    default:
      throw new CommandError(command ? `unknown command "${command}"\n${USAGE}` : USAGE, 2);
  }
}

main(process.argv.slice(2)).catch((error) => {
  if (error instanceof CommandError) {
    console.error(`memory: ${error.message}`);
    process.exit(error.exitCode);
  }
  console.error(`memory: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
