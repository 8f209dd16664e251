// Which task a `heapwise run` is, for the ledger, and where that ledger lives. Read on every run, so
// it reads environment variables first and touches the disk only when they are missing.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { findUp } from './find-up.js';
import { DEFAULT_CACHE_DIR, LEDGER_ENV, LEDGER_FILE_NAME } from './ledger.js';

/** Set by `heapwise turbo`: scripts of persistent tasks (dev servers), which never give memory back. */
export const PERSISTENT_ENV = 'HEAPWISE_PERSISTENT';
/** Set by `run` for its command: a nested `run` is inside this task's reservation and measurement. */
export const PARENT_TASK_ENV = 'HEAPWISE_PARENT_TASK';

/** npm's own commands, which are not a package script's name. */
const NOT_SCRIPTS = new Set(['npx', 'exec']);

function nearestPackageName(cwd: string): string | undefined {
  return findUp(cwd, (dir) => {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      return typeof manifest.name === 'string' ? manifest.name : '';
    } catch {
      return undefined;
    }
  });
}

/**
 * The ledger key, `package#script` as turbo names a task. Inside a package script (npm, pnpm and
 * turbo's `npm run` set `npm_lifecycle_event`): `npm_package_name#npm_lifecycle_event`. Otherwise
 * (a shell, `npx`): the nearest package.json's name and the heapwise task. Two scripts running the same heapwise
 * task (`build` and `build:types`) are two keys: their peaks differ.
 */
export function taskKey(env: NodeJS.ProcessEnv, cwd: string, task: string): string {
  const event = env.npm_lifecycle_event;
  // Under `npx`/`npm exec` npm names the workspace root's package, not the one in cwd.
  const inScript = event !== undefined && event !== '' && !NOT_SCRIPTS.has(event);
  const packageName = (inScript && env.npm_package_name) || nearestPackageName(cwd) || basename(cwd);
  const script = inScript ? event : task;
  return `${packageName}#${script}`;
}

/** The script part of a key (`@scope/pkg#build` → `build`). */
export function scriptOfKey(key: string): string {
  return key.slice(key.lastIndexOf('#') + 1);
}

/**
 * Whether `dir` is a workspace root: a pnpm-workspace.yaml, or a package.json with `workspaces`. The
 * root test of workspace.ts, without loading the YAML and glob libraries it reads the globs with:
 * every task runs this, and only the root is needed here.
 */
function declaresWorkspaces(dir: string): boolean {
  if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return true;
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { workspaces?: unknown };
    return manifest.workspaces !== undefined;
  } catch {
    return false;
  }
}

function isInside(dir: string, parent: string): boolean {
  const rel = relative(parent, dir);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The ledger file: $HEAPWISE_LEDGER, else `[heapwise] ledger` (relative to the .node-options file),
 * else node_modules/.cache/heapwise/ledger.json at the workspace root (npm's
 * `npm_config_local_prefix` when it contains `cwd`, else found by walking up), else next to the
 * .node-options file.
 */
export function ledgerFileFor(options: {
  env: NodeJS.ProcessEnv;
  cwd: string;
  configFile: string;
  configLedger: string | undefined;
}): string {
  const { env, cwd } = options;
  if (env[LEDGER_ENV]) return resolve(cwd, env[LEDGER_ENV]);
  if (options.configLedger !== undefined) return resolve(dirname(options.configFile), options.configLedger);
  const prefix = env.npm_config_local_prefix;
  let root = prefix && isAbsolute(prefix) && isInside(cwd, prefix) ? prefix : undefined;
  root ??= findUp(cwd, (dir) => (declaresWorkspaces(dir) ? dir : undefined)) ?? dirname(options.configFile);
  return join(root, DEFAULT_CACHE_DIR, LEDGER_FILE_NAME);
}
