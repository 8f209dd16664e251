// Starts the real built service (dist/main.js) in a child process on PORT=0 and reads the
// URL from its `listening on` line. Output is kept, bounded, for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const serviceDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = join(serviceDir, '..', '..');
/** Output kept per stream; older text is dropped, so a chatty service cannot fill the test's heap. */
const MAX_KEPT_OUTPUT_CHARS = 2 * 1024 * 1024;
const STARTUP_TIMEOUT_MS = 20_000;

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningService {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<ExitStatus>;
  /** SIGTERM, then SIGKILL if it has not exited after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<ExitStatus>;
}

/** Runs scripts/memory.mjs against a service; `env` adds to (or with undefined removes from) ours. */
export function runMemory(
  args: string[],
  serviceUrl: string,
  timeoutMs = 20_000,
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'memory.mjs'), ...args], {
      env: withEnv({ ...process.env, SERVICE_URL: serviceUrl }, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function withEnv(base: NodeJS.ProcessEnv, changes: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const merged = { ...base };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

export function spawnService(env: Record<string, string | undefined> = {}): {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<ExitStatus>;
} {
  const merged = withEnv(
    { ...process.env, PORT: '0', HOST: '127.0.0.1' },
    {
      ELASTICSEARCH_URL: undefined,
      HEAPWISE_DEMO_LEAK: undefined,
      ADMIN_TOKEN: undefined,
      ...env,
    },
  );
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: serviceDir,
    env: merged,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const keep = (text: string, chunk: Buffer) => {
    const next = text + chunk.toString('utf8');
    return next.length > MAX_KEPT_OUTPUT_CHARS ? next.slice(-MAX_KEPT_OUTPUT_CHARS) : next;
  };
  child.stdout.on('data', (chunk: Buffer) => (out = keep(out, chunk)));
  child.stderr.on('data', (chunk: Buffer) => (err = keep(err, chunk)));
  const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function startService(env: Record<string, string | undefined> = {}): Promise<RunningService> {
  const spawned = spawnService(env);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening on" line within ${STARTUP_TIMEOUT_MS} ms; stderr: ${spawned.stderr()}`)),
      STARTUP_TIMEOUT_MS,
    );
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(spawned.stdout());
      if (match) {
        clearTimeout(timer);
        spawned.child.stdout!.off('data', check);
        resolve(match[1]);
      }
    };
    spawned.child.stdout!.on('data', check);
    void spawned.exited.then((status) => {
      clearTimeout(timer);
      reject(new Error(`service exited before listening (${JSON.stringify(status)}); stderr: ${spawned.stderr()}`));
    });
  });
  return {
    ...spawned,
    url,
    async stop(timeoutMs = 8000) {
      if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) return spawned.exited;
      spawned.child.kill('SIGTERM');
      const timer = setTimeout(() => spawned.child.kill('SIGKILL'), timeoutMs);
      const status = await spawned.exited;
      clearTimeout(timer);
      return status;
    },
  };
}

/**
 * An answer and its parsed JSON body. Callers that know the shape pass it as `T`; the default
 * leaves older tests reading bodies loosely.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the untyped default of older tests; new ones pass T
export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** The error body every route answers with. */
export interface ErrorBody {
  error: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see JsonResponse
export async function requestJson<T = any>(url: string, init: RequestInit = {}): Promise<JsonResponse<T>> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see JsonResponse
export function postJson<T = any>(url: string, body: unknown): Promise<JsonResponse<T>> {
  return requestJson<T>(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
