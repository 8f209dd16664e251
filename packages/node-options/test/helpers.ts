// Spawning the built CLI as a user would, in fixture directories, with an environment free of
// whatever heapwise and turbo set for the test run itself.
import { spawn, type SpawnOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli.js';
import type { MemoryLimit } from '../src/memory.js';

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = join(packageDir, '..', '..');
export const binPath = join(packageDir, 'bin', 'heapwise.js');
/** Upper bound on any single CLI run in these tests. */
export const CLI_TIMEOUT_MS = 30_000;

export const GIB = 1024 ** 3;

/** What `heapwise print --percentage` says on a Node without --max-old-space-size-percentage. */
export const PERCENTAGE_UNSUPPORTED = new RegExp(
  String.raw`--percentage needs --max-old-space-size-percentage, ` +
    String.raw`which Node v\d+\.\S+ does not accept \(22\.21\+, 24\.6\+\)`,
);

/**
 * A memory pool of this test file's own: the machine-wide one would make these runs wait for builds
 * running elsewhere on the machine, and theirs for these.
 */
const testPoolDir = mkdtempSync(join(tmpdir(), 'heapwise-test-pool-'));

/**
 * process.env without NODE_OPTIONS, GOMEMLIMIT, HEAPWISE_* and npm's own variables, with the test
 * file's own memory pool.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { HEAPWISE_POOL_DIR: testPoolDir };
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_OPTIONS' || key === 'GOMEMLIMIT' || key.startsWith('HEAPWISE_') || key.startsWith('npm_'))
      continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** The node binary running the CLI (the Node matrix); default this process's. */
  node?: string;
  /** The bin script; default this package's bin/heapwise.js. */
  bin?: string;
  /** Options for node itself, before the bin (e.g. --import). */
  nodeArgs?: string[];
  spawn?: SpawnOptions;
  /** Called once with the child and a reader of its stdout so far, e.g. to send it signals. */
  onSpawn?: (child: import('node:child_process').ChildProcess, readStdout: () => string) => void;
}

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      options.node ?? process.execPath,
      [...(options.nodeArgs ?? []), options.bin ?? binPath, ...args],
      {
        cwd: options.cwd,
        env: options.env ?? cleanEnv(),
        stdio: ['pipe', 'pipe', 'pipe'],
        ...options.spawn,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `heapwise ${args.join(' ')} did not finish in ${CLI_TIMEOUT_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, CLI_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    options.onSpawn?.(child, () => stdout);
  });
}

export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface MainOptions {
  cwd: string;
  /** Default: cleanEnv(). */
  env?: NodeJS.ProcessEnv;
  /** The machine's memory limit as the command sees it (instead of this machine's). */
  memoryLimitBytes?: number;
  cpus?: number;
}

/**
 * The CLI's `main` in this process, as bin/heapwise.js calls it: what a command prints and returns,
 * without starting a Node process. Commands that start a child (run, turbo) still start it for real.
 */
export async function runMain(args: string[], options: MainOptions): Promise<MainResult> {
  let stdout = '';
  let stderr = '';
  const memoryLimit: MemoryLimit | undefined =
    options.memoryLimitBytes === undefined
      ? undefined
      : { bytes: options.memoryLimitBytes, source: 'cgroup-v2', detail: 'injected by the test' };
  const code = await main(args, {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
    out: (text) => (stdout += `${text}\n`),
    err: (text) => (stderr += `${text}\n`),
    ...(memoryLimit ? { memoryLimit } : {}),
    ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
  });
  return { code, stdout, stderr };
}

export const TEST_PROFILE = `--enable-source-maps
[build]
--max-old-space-size=4096
[test]
--max-old-space-size=2048
--expose-gc
`;

/** A temporary directory holding `files` (relative path → content). */
export function fixtureDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'heapwise-test-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** A cgroup v2 fixture root whose memory.max says `bytes`: makes the budget independent of this machine. */
export function cgroupV2Root(bytes: number | 'max'): string {
  return fixtureDir({ 'memory.max': `${bytes}\n` });
}

/** Waits until `read()` includes `text`, or fails after `timeoutMs`. */
export async function waitFor(read: () => string, text: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!read().includes(text)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for '${text}' in:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
