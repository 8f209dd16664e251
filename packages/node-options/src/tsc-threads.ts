// TypeScript 7's `tsc` is a Go program with its own threads: by default 4 checkers per project, and
// with `-b` several projects at once (`--builders`). Memory grows with the checkers, and turbo
// multiplies them by its concurrency, so heapwise sets them from the task's share of the machine —
// only for TypeScript 7 (5.9 and 6.0 reject these flags) and only when nothing already sets them.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { TSC_THREAD_FLAGS } from './node-options-file.js';

export { TSC_THREAD_FLAGS };

/** TypeScript 7's default number of checkers per project. */
export const TSC_DEFAULT_CHECKERS = 4;
/**
 * Memory one more checker is allowed to cost when choosing `--checkers` from the task's memory
 * share. A planning figure: each checker holds its own type information for the files it checks.
 */
export const BYTES_PER_CHECKER = 256 * 1024 * 1024;
/** At most this many projects at once under `tsc -b`. */
export const MAX_BUILDERS = 4;

export interface TscThreadShare {
  cpus: number;
  /** Tasks running at once (HEAPWISE_CONCURRENCY). */
  concurrency: number;
  /** The memory this task may use, bytes. */
  memoryShareBytes: number;
  /** `tsc -b`/`--build`: several projects may be built at once. */
  build: boolean;
}

export interface TscThreads {
  checkers: number;
  /** null without -b */
  builders: number | null;
  singleThreaded: boolean;
}

/**
 * The rule: a task gets cpus ÷ concurrency CPUs (at least 1). With one CPU it runs single-threaded,
 * which also saves the memory of the extra checkers. Otherwise checkers = its CPUs, at most the
 * default 4 and at most one per BYTES_PER_CHECKER of its memory share; under -b the CPUs left over
 * (CPUs ÷ checkers) build projects side by side, at most MAX_BUILDERS.
 */
export function chooseTscThreads(share: TscThreadShare): TscThreads {
  const cpuShare = Math.max(1, Math.floor(share.cpus / Math.max(1, share.concurrency)));
  if (cpuShare === 1) return { checkers: 1, builders: share.build ? 1 : null, singleThreaded: true };
  const byMemory = Math.max(1, Math.floor(share.memoryShareBytes / BYTES_PER_CHECKER));
  const checkers = Math.min(TSC_DEFAULT_CHECKERS, cpuShare, byMemory);
  const builders = share.build ? Math.min(MAX_BUILDERS, Math.max(1, Math.floor(cpuShare / checkers))) : null;
  return { checkers, builders, singleThreaded: false };
}

/** The flags for `choice`: `--singleThreaded`, or `--checkers N` (and `--builders N`). */
export function tscThreadArgs(choice: TscThreads): string[] {
  if (choice.singleThreaded) return ['--singleThreaded'];
  const args = ['--checkers', String(choice.checkers)];
  if (choice.builders !== null) args.push('--builders', String(choice.builders));
  return args;
}

/** The threads that tsc arguments (`.node-options`' `@tsc` lines) choose; unset counts as TypeScript's default. */
export function threadsFromArgs(args: readonly string[], build: boolean): TscThreads {
  const count = (flag: string): number | undefined => {
    const index = args.lastIndexOf(flag);
    return index === -1 ? undefined : Number(args[index + 1]);
  };
  if (args.includes('--singleThreaded')) return { checkers: 1, builders: build ? 1 : null, singleThreaded: true };
  return {
    checkers: count('--checkers') ?? TSC_DEFAULT_CHECKERS,
    builders: build ? (count('--builders') ?? null) : null,
    singleThreaded: false,
  };
}

/** Whether the command line already chooses threads. */
export function argsSetThreads(args: readonly string[]): boolean {
  return args.some((arg) => TSC_THREAD_FLAGS.some((flag) => arg === flag || arg.startsWith(`${flag}=`)));
}

export function isBuildMode(args: readonly string[]): boolean {
  return args[0] === '-b' || args[0] === '--build';
}

/** The project file tsc reads: `-p`/`--project` or `-b`'s first path, else ./tsconfig.json. */
function projectFile(args: readonly string[], cwd: string): string {
  let project: string | undefined;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg === '-p' || arg === '--project') project = args[index + 1];
    else if (isBuildMode(args) && index > 0 && !arg.startsWith('-') && project === undefined) project = arg;
  }
  const path = resolve(cwd, project ?? '.');
  try {
    return statSync(path).isDirectory() ? join(path, 'tsconfig.json') : path;
  } catch {
    return path;
  }
}

/**
 * Whether the project's own tsconfig sets `checkers`, `builders` or `singleThreaded` (TypeScript 7
 * accepts them in compilerOptions). Only that file is read, not what it extends: the shared presets
 * cannot carry these options, which 5.9 and 6.0 reject.
 */
export async function tsconfigSetsThreads(args: readonly string[], cwd: string): Promise<boolean> {
  const file = projectFile(args, cwd);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const { parse } = await import('jsonc-parser');
  const options = (parse(text) as { compilerOptions?: Record<string, unknown> } | undefined)?.compilerOptions;
  return options !== undefined && ['checkers', 'builders', 'singleThreaded'].some((name) => name in options);
}

function findOnPath(command: string, env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  if (command.includes('/') || isAbsolute(command)) return resolve(cwd, command);
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(resolve(cwd, dir), command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The major version of the TypeScript whose `tsc` `command` runs, found by resolving it on PATH and
 * reading the package.json above the real file; undefined when it is not a TypeScript tsc.
 */
export function typescriptMajor(command: string, env: NodeJS.ProcessEnv, cwd: string): number | undefined {
  const name = basename(command).replace(/\.(cmd|exe)$/i, '');
  if (name !== 'tsc' && name !== 'tsgo') return undefined;
  const found = findOnPath(command, env, cwd);
  if (found === undefined) return undefined;
  let dir: string;
  try {
    dir = dirname(realpathSync(found));
  } catch {
    return undefined;
  }
  for (; ; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === '@typescript/native-preview') return 7;
      if (manifest.name === 'typescript') return Number(/^(\d+)/.exec(manifest.version ?? '')?.[1] ?? Number.NaN);
    } catch {
      // no package.json here
    }
    if (dirname(dir) === dir) return undefined;
  }
}
