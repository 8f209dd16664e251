// Shared by the end-to-end tests: temp dirs, child processes with a clean
// environment, and the repository's own paths.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const rootBin = join(repoRoot, 'node_modules', '.bin');

/** Output kept per stream of a child; a test never needs more, and a runaway child cannot eat the heap. */
export const MAX_CAPTURED_BYTES = 1024 * 1024;

export function makeTempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `heapwise-e2e-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The test's environment without what the outer `npm test` / turbo run put
 * there (npm_* config, TURBO_* task variables), so that a nested npm or turbo
 * behaves as it would in a user's shell.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|TURBO_|INIT_CWD$|VITEST)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, TURBO_TELEMETRY_DISABLED: '1', ...extra };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function capture(child: ChildProcess, stream: 'stdout' | 'stderr'): () => string {
  let text = '';
  child[stream]?.setEncoding('utf8');
  child[stream]?.on('data', (chunk: string) => {
    if (text.length < MAX_CAPTURED_BYTES) text += chunk.slice(0, MAX_CAPTURED_BYTES - text.length);
  });
  return () => text;
}

/** Runs a command to completion; kills it (and reports) after `timeoutMs`. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = capture(child, 'stdout');
    const stderr = capture(child, 'stderr');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout()}\n${stderr()}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout: stdout(), stderr: stderr() });
    });
  });
}

/** Throws with the child's output when it did not exit 0. */
export async function runOk(...params: Parameters<typeof run>): Promise<RunResult> {
  const result = await run(...params);
  if (result.code !== 0) {
    throw new Error(
      `${params[0]} ${params[1].join(' ')} exited ${result.code}\n` +
        `--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result;
}
