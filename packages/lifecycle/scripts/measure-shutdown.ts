// Measures graceful shutdown: 50 in-flight 2 s requests on keep-alive sockets (plus 10 idle
// keep-alive sockets), SIGTERM, then time to exit. Compares a plain `server.close()` (with a 5 s
// deadline that exits 1) against installShutdown, on the same fixture as the tests.
// Run: npm run measure:shutdown -w @heapwise/lifecycle   (prints a table; medians of RUNS runs)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { median } from '@heapwise/testkit';

const RUNS = Number(process.env.RUNS ?? '3');
const IN_FLIGHT = 50;
const IDLE_SOCKETS = 10;
const REQUEST_MS = 2000;
const fixture = fileURLToPath(new URL('../test/fixtures/shutdown-server.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  answered: number;
  exitCode: number | null;
  /** From SIGTERM to the child's exit. */
  exitMs: number;
  /** From the last answer the client received to the child's exit: what draining adds. */
  afterLastAnswerMs: number;
}

function request(port: number, path: string, agent: Agent): Promise<number | undefined> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
      response.on('error', () => resolve(undefined));
    }).on('error', () => resolve(undefined));
  });
}

async function runOnce(plainClose: boolean): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: packageDir,
    env: { ...process.env, ...(plainClose ? { PLAIN_CLOSE: '1' } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, atMs: performance.now() }));
  while (!/listening on/.test(stdout)) await sleep(10);
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]);
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT + IDLE_SOCKETS });
  await Promise.all(Array.from({ length: IN_FLIGHT + IDLE_SOCKETS }, () => request(port, '/slow?ms=0', agent)));
  const slow = Promise.all(Array.from({ length: IN_FLIGHT }, () => request(port, `/slow?ms=${REQUEST_MS}`, agent)));
  while ((stdout.match(/^request \d+$/gm)?.length ?? 0) < 2 * IN_FLIGHT + IDLE_SOCKETS) await sleep(5);
  const signalledAtMs = performance.now();
  child.kill('SIGTERM');
  const statuses = await slow;
  const lastAnswerAtMs = performance.now();
  const { code, atMs } = await exited;
  agent.destroy();
  return {
    answered: statuses.filter((status) => status === 200).length,
    exitCode: code,
    exitMs: atMs - signalledAtMs,
    afterLastAnswerMs: Math.max(0, atMs - lastAnswerAtMs),
  };
}

const rows: string[] = [];
for (const [label, plain] of [
  ['plain server.close() + 5 s deadline', true],
  ['installShutdown (timeoutMs 5000)', false],
] as const) {
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(await runOnce(plain));
  const cells = [
    label,
    runs.map((run) => `${run.answered}/${IN_FLIGHT}`).join(', '),
    runs.map((run) => run.exitCode).join(', '),
    Math.round(median(runs.map((run) => run.exitMs))),
    Math.round(median(runs.map((run) => run.afterLastAnswerMs))),
  ];
  rows.push(`| ${cells.join(' | ')} |`);
}
console.log(
  `node ${process.version}, ${RUNS} runs each, ` +
    `${IN_FLIGHT} in-flight ${REQUEST_MS} ms requests + ${IDLE_SOCKETS} idle keep-alive sockets`,
);
console.log('| variant | answered | exit codes | median ms SIGTERM → exit | median ms last answer → exit |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
