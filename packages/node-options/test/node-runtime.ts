// The Node matrix: Node 22 and 24 from the npm registry's `node` package, installed once into
// node_modules/.cache/heapwise-node/<major> and reused. An install that cannot happen (no registry)
// skips that version's tests with a printed reason; it never fails them.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, repoRoot } from './helpers.js';

export const NODE_CACHE_DIR = join(repoRoot, 'node_modules', '.cache', 'heapwise-node');
/** One `npm install node@<major>`: a ~30 MB download plus unpacking. */
export const NODE_INSTALL_TIMEOUT_MS = 300_000;

export interface Runtime {
  label: string;
  major: string;
  /** The node binary, or undefined when it could not be installed. */
  node: string | undefined;
  skipReason?: string;
}

function versionOf(node: string): string | undefined {
  try {
    return execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 20_000 }).trim();
  } catch {
    return undefined;
  }
}

function binaryIn(prefix: string): string {
  return join(prefix, 'node_modules', 'node', 'bin', 'node');
}

function npmInstall(prefix: string, major: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    // npm's own variables from the surrounding `npm test` (workspace, prefix…) must not leak in.
    const child = spawn(
      'npm',
      ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `node@${major}`],
      {
        env: cleanEnv(),
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), NODE_INSTALL_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve(error.message);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(
        code === 0
          ? undefined
          : `npm install node@${major} failed (${signal ?? code}): ${stderr.trim().split('\n').slice(0, 2).join(' ')}`,
      );
    });
  });
}

export async function nodeRuntime(major: string): Promise<Runtime> {
  const label = `Node ${major}`;
  const prefix = join(NODE_CACHE_DIR, major);
  if (versionOf(binaryIn(prefix))?.startsWith(`${major}.`)) return { label, major, node: binaryIn(prefix) };
  // Install beside the cache entry and rename into place, so that concurrent runs never see half an install.
  const staging = `${prefix}.staging-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  const failure = await npmInstall(staging, major);
  const version = failure === undefined ? versionOf(binaryIn(staging)) : undefined;
  if (failure !== undefined || !version?.startsWith(`${major}.`)) {
    rmSync(staging, { recursive: true, force: true });
    return { label, major, node: undefined, skipReason: failure ?? `node@${major} installed but does not run` };
  }
  if (existsSync(prefix)) rmSync(prefix, { recursive: true, force: true });
  try {
    renameSync(staging, prefix);
  } catch {
    // another run won the race: use its copy
    rmSync(staging, { recursive: true, force: true });
  }
  return { label, major, node: binaryIn(prefix) };
}
