// One service cell: start a server process, measure it from outside, stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { readCellArgs, runChild, sleep } from '../harness/child.js';

export type ServiceTarget = 'example-api' | 'bare-http' | 'bare-http-close';
export type ServiceScenario = 'idle-rss' | 'sigterm';

export interface ServiceCellArgs {
  target: ServiceTarget;
  scenario: ServiceScenario;
  idleMs?: number;
  inFlight?: number;
  requestMs?: number;
}

const exampleApiMain = fileURLToPath(new URL('../../../services/example-api/dist/main.js', import.meta.url));
const bareHttp = fileURLToPath(new URL('./bare-http.js', import.meta.url));
/** How long a target may take to print `listening on`. */
const STARTUP_TIMEOUT_MS = 30_000;
/** After SIGTERM, a target still alive after this long is killed and counted as not exiting. */
const EXIT_TIMEOUT_MS = 15_000;
/** Time given to the in-flight requests to reach the server before SIGTERM. */
const IN_FLIGHT_SETTLE_MS = 300;

function start(target: ServiceTarget): Promise<{ child: ChildProcess; port: number }> {
  const script = target === 'example-api' ? exampleApiMain : bareHttp;
  // Same flags for every target (none), so idle RSS compares the code, not the heap settings.
  const child = spawn(process.execPath, [script], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      PORT: '0',
      HOST: '127.0.0.1',
      BARE_SIGTERM: target === 'bare-http-close' ? 'close' : '',
      ELASTICSEARCH_URL: '',
    },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`${target} did not print "listening on" within ${STARTUP_TIMEOUT_MS} ms`)),
      STARTUP_TIMEOUT_MS,
    );
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (out.length < 10_000) out += chunk;
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        out = 'x'.repeat(10_000); // stop accumulating; the service's request logs keep coming
        resolve({ child, port: Number(match[1]) });
      }
    });
    child.stderr.resume();
    child.once('exit', (code) => reject(new Error(`${target} exited with ${code} before listening`)));
  });
}

function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

function slowRequest(port: number, ms: number): Promise<'answered' | 'failed'> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: `/api/slow?ms=${ms}`, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? 'answered' : 'failed'));
      res.on('error', () => resolve('failed'));
    });
    req.on('error', () => resolve('failed'));
    req.end();
  });
}

runChild(async () => {
  const args = readCellArgs<ServiceCellArgs>();
  const { child, port } = await start(args.target);
  const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now())));
  const result: Record<string, number> = {};
  if (args.scenario === 'idle-rss') {
    await sleep(args.idleMs ?? 2000);
    result.idleRssBytes = rssOf(child.pid!);
    child.kill('SIGKILL');
    await exited;
  } else {
    const inFlight = args.inFlight ?? 50;
    const responses = Array.from({ length: inFlight }, () => slowRequest(port, args.requestMs ?? 2000));
    await sleep(IN_FLIGHT_SETTLE_MS);
    const signalledAt = performance.now();
    child.kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
    const exitAt = await exited;
    clearTimeout(killTimer);
    const outcomes = await Promise.all(responses);
    result.exitAfterSigtermMs = exitAt - signalledAt;
    result.answered = outcomes.filter((o) => o === 'answered').length;
    result.failed = outcomes.filter((o) => o === 'failed').length;
    result.killed = exitAt - signalledAt >= EXIT_TIMEOUT_MS ? 1 : 0;
  }
  return result;
});
