// What every subcommand shares: its shape, option parsing, finding the config, memory and concurrency.
import { availableParallelism } from 'node:os';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { detectMemoryLimit, type MemoryLimit } from '../memory.js';
import {
  findNodeOptionsFile,
  loadNodeOptions,
  NODE_OPTIONS_FILE_NAME,
  type NodeOptionsConfig,
} from '../node-options-file.js';
import { CONCURRENCY_ENV } from '../resolve.js';
import { formatBytes, parseSizeBytes } from '../size.js';

/** Overrides the cgroup mount point (tests, unusual mounts); see memory.ts. */
export const CGROUP_ROOT_ENV = 'HEAPWISE_CGROUP_ROOT';

/** Everything a command may read of its process and machine: bin/heapwise.js passes the real ones, tests their own. */
export interface CommandContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** One line to stdout (the newline is added). */
  out: (text: string) => void;
  /** One line to stderr (the newline is added). */
  err: (text: string) => void;
  /** The machine's memory limit; default: detected (cgroup, else physical). `--memory` still wins. */
  memoryLimit?: MemoryLimit;
  /** CPUs available; default `os.availableParallelism()`. */
  cpus?: number;
  /** Where the cgroup hierarchy is mounted; default $HEAPWISE_CGROUP_ROOT, else /sys/fs/cgroup. */
  cgroupRoot?: string;
}

export interface Command {
  name: string;
  /** One line for `heapwise --help`. */
  summary: string;
  /** The whole `heapwise <name> --help` text. */
  help: string;
  /** Resolves to the exit code. Throws UsageError or ConfigError for exit 2. */
  main: (args: string[], context: CommandContext) => Promise<number>;
}

/** A usage or configuration problem: exit 2 with this one line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? String(error));
  }
}

export const CONFIG_OPTION = { config: { type: 'string' } } as const;
export const PLANNING_OPTIONS = {
  memory: { type: 'string' },
  concurrency: { type: 'string' },
} as const;

/** A path as people read it: relative to the working directory when below it. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** `--config <file>`, else the first `.node-options` walking up from the working directory. */
export function locateConfig(context: CommandContext, configOption: string | boolean | undefined): string {
  if (typeof configOption === 'string') return resolve(context.cwd, configOption);
  const found = findNodeOptionsFile(context.cwd);
  if (!found)
    throw new UsageError(`no ${NODE_OPTIONS_FILE_NAME} found in ${context.cwd} or above (use --config <file>)`);
  return found;
}

export function loadConfig(context: CommandContext, configOption: string | boolean | undefined): NodeOptionsConfig {
  const file = locateConfig(context, configOption);
  return {
    ...loadNodeOptions(file, { displayPath: displayPath(file, context.cwd) }),
    file: displayPath(file, context.cwd),
  };
}

/** `--memory <size>` plans for another machine; otherwise the limit is detected. */
export function memoryLimit(context: CommandContext, memoryOption: string | boolean | undefined): MemoryLimit {
  if (typeof memoryOption === 'string') {
    const bytes = parseSizeBytes(memoryOption);
    if (bytes === undefined)
      throw new UsageError(`--memory expects a size such as 7g, 512m or 8GiB, got '${memoryOption}'`);
    return { bytes, source: 'option', detail: `--memory ${memoryOption}` };
  }
  if (context.memoryLimit) return context.memoryLimit;
  const cgroupRoot = context.cgroupRoot ?? context.env[CGROUP_ROOT_ENV];
  return detectMemoryLimit(cgroupRoot ? { cgroupRoot } : {});
}

/** Lowers the memory `run` and `turbo` share on this machine (a database beside the build, a smaller runner). */
export const MEMORY_ENV = 'HEAPWISE_MEMORY';

/**
 * The memory limit `run` and `turbo` work within: `--memory <size>`, else $HEAPWISE_MEMORY, else the
 * detected limit. Downward only: a size above what this machine has would plan memory that is not
 * there, so it is refused (exit 2) rather than believed.
 */
export function machineMemoryLimit(context: CommandContext, memoryOption: string | boolean | undefined): MemoryLimit {
  const detected = memoryLimit(context, undefined);
  const fromEnv = context.env[MEMORY_ENV];
  const text = typeof memoryOption === 'string' ? memoryOption : fromEnv === '' ? undefined : fromEnv;
  if (text === undefined) return detected;
  const what = typeof memoryOption === 'string' ? `--memory ${text}` : `${MEMORY_ENV}=${text}`;
  const bytes = parseSizeBytes(text);
  if (bytes === undefined) throw new UsageError(`${what}: expected a size such as 7g, 512m or 8GiB`);
  if (bytes > detected.bytes) {
    throw new UsageError(
      `${what} is more than this machine has ` +
        `(${formatBytes(detected.bytes)}, ${detected.source}: ${detected.detail}): ` +
        'it can only lower the limit (to plan for a bigger machine: heapwise print or doctor --memory)',
    );
  }
  return { bytes, source: 'option', detail: what };
}

/** CPUs for concurrency choices: the context's, else the machine's. */
export function availableCpus(context: CommandContext): number {
  return context.cpus ?? availableParallelism();
}

export function parsePositiveInteger(text: string, what: string): number {
  if (!/^[1-9]\d*$/.test(text.trim())) throw new UsageError(`${what} expects a positive integer, got '${text}'`);
  return Number(text);
}

/** `--concurrency <n>`, else HEAPWISE_CONCURRENCY (set by `heapwise turbo`), else 1. */
export function concurrency(context: CommandContext, concurrencyOption: string | boolean | undefined): number {
  if (typeof concurrencyOption === 'string') return parsePositiveInteger(concurrencyOption, '--concurrency');
  const fromEnv = context.env[CONCURRENCY_ENV];
  return fromEnv === undefined || fromEnv === '' ? 1 : parsePositiveInteger(fromEnv, CONCURRENCY_ENV);
}
