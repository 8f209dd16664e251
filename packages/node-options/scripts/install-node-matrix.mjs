#!/usr/bin/env node
// Installs the Node matrix the CLI is tested on besides this machine's Node: the npm registry's `node`
// package for each major in NODE_MATRIX_MAJORS, into node_modules/.cache/heapwise-node/<major>, once
// (a working install is reused). `.ci/run` runs this before `npm test`; the matrix tests only look the
// binaries up. When an install fails, the reason is written beside the cache entry for the tests to
// print, and with CI set the script exits 1: CI must not go green without the matrix. Elsewhere it
// warns and exits 0, and the matrix tests skip with that reason.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_MATRIX_MAJORS = ['22', '24'];
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const NODE_CACHE_DIR = join(repoRoot, 'node_modules', '.cache', 'heapwise-node');
/** One `npm install node@<major>`: a ~30 MB download plus unpacking. */
export const NODE_INSTALL_TIMEOUT_MS = 300_000;

/** Where the binary of `major` lives once installed. */
export function nodeBinary(major) {
  return join(NODE_CACHE_DIR, major, 'node_modules', 'node', 'bin', 'node');
}

/** The file holding why the last install of `major` failed. */
export function failureFile(major) {
  return join(NODE_CACHE_DIR, `${major}.failed`);
}

/** Whether CI is set as CI services set it (`CI=true`, `CI=1`; `CI=false` is not CI). */
export function isCi(env = process.env) {
  return env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
}

function versionOf(node) {
  try {
    return execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 20_000 }).trim();
  } catch {
    return undefined;
  }
}

/** The installed binary of `major`, or why there is none (for the tests to print). */
export function installedNode(major) {
  const node = nodeBinary(major);
  if (versionOf(node)?.startsWith(`${major}.`)) return { node };
  const failed = existsSync(failureFile(major)) ? readFileSync(failureFile(major), 'utf8').trim() : undefined;
  return {
    reason:
      failed ??
      `node@${major} is not installed in ${join(NODE_CACHE_DIR, major)}: ` +
        `run \`node packages/node-options/scripts/install-node-matrix.mjs\``,
  };
}

/** process.env without npm's own variables (workspace, prefix…) from a surrounding npm run. */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_')));
}

function npmInstall(prefix, major) {
  return new Promise((resolve) => {
    const child = spawn(
      'npm',
      ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `node@${major}`],
      { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), NODE_INSTALL_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve(`npm install node@${major} could not start: ${error.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const firstLines = stderr.trim().split('\n').slice(0, 2).join(' ');
      resolve(code === 0 ? undefined : `npm install node@${major} failed (${signal ?? code}): ${firstLines}`);
    });
  });
}

/** Installs `major` unless a working copy is there; resolves to undefined, or the reason it failed. */
export async function installNode(major) {
  const prefix = join(NODE_CACHE_DIR, major);
  rmSync(failureFile(major), { force: true });
  if (versionOf(nodeBinary(major))?.startsWith(`${major}.`)) return undefined;
  // Install beside the cache entry and rename into place, so that no run ever sees half an install.
  const staging = `${prefix}.staging-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  let failure = await npmInstall(staging, major);
  const staged = join(staging, 'node_modules', 'node', 'bin', 'node');
  if (failure === undefined && !versionOf(staged)?.startsWith(`${major}.`))
    failure = `node@${major} installed but ${staged} does not run`;
  if (failure !== undefined) {
    rmSync(staging, { recursive: true, force: true });
    writeFileSync(failureFile(major), `${failure}\n`);
    return failure;
  }
  rmSync(prefix, { recursive: true, force: true });
  renameSync(staging, prefix);
  return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const failures = (await Promise.all(NODE_MATRIX_MAJORS.map(installNode))).filter((failure) => failure !== undefined);
  for (const major of NODE_MATRIX_MAJORS) {
    const installed = installedNode(major);
    if (installed.node) console.log(`heapwise node matrix: Node ${versionOf(installed.node)} at ${installed.node}`);
  }
  for (const failure of failures) console.error(`heapwise node matrix: ${failure}`);
  if (failures.length > 0) {
    if (isCi()) {
      console.error('heapwise node matrix: CI is set, so a missing Node version fails the run');
      process.exitCode = 1;
    } else {
      console.error('heapwise node matrix: the matrix tests of the missing versions will be skipped');
    }
  }
}
