// Resolving a task: the file's flags for it, the caller's NODE_OPTIONS and GOMEMLIMIT, and the budget,
// into exactly what `heapwise run` sets and `heapwise print` shows.
import {
  HEAP_FLAGS,
  HEAP_PERCENTAGE_FLAG,
  HEAP_SIZE_FLAG,
  flagSection,
  formatFlag,
  normaliseFlagName,
  packageSectionName,
  taskFlags,
  taskHeapFlag,
  type FlagLine,
  type NodeOptionsConfig,
} from './node-options-file.js';
import { computeBudget, fitHeap, goMemLimitFor, MIN_HEAP_MB } from './budget.js';
import type { MemoryLimit, MemorySource } from './memory.js';
import { BYTES_PER_MIB, formatBytes } from './size.js';

/** Set by `heapwise run` for its child: what it appended, so a nested run can tell it from the caller's own. */
export const APPLIED_NODE_OPTIONS_ENV = 'HEAPWISE_APPLIED_NODE_OPTIONS';
export const APPLIED_GOMEMLIMIT_ENV = 'HEAPWISE_APPLIED_GOMEMLIMIT';
/** Set by `heapwise turbo` for its tasks: how many run at once, so each takes its share. */
export const CONCURRENCY_ENV = 'HEAPWISE_CONCURRENCY';

export interface ResolveOptions {
  memory: MemoryLimit;
  concurrency: number;
  /** The caller's own NODE_OPTIONS (without what an outer `heapwise run` appended). */
  callerNodeOptions?: string | undefined;
  callerGoMemLimit?: string | undefined;
  /** Express the heap as `--max-old-space-size-percentage` of the memory limit (Node 22.21+/24.6+). */
  percentage?: boolean;
  /** The package running the task: its own `[package#task]` section, if any, adds to `[task]`. */
  packageName?: string | undefined;
}

export interface Resolution {
  task: string;
  /** The file has a `[task]` section (otherwise only the common lines apply). */
  knownTask: boolean;
  configFile: string;
  /** What heapwise appends to NODE_OPTIONS. */
  flags: string[];
  /** The complete NODE_OPTIONS: the caller's, then heapwise's. */
  nodeOptions: string;
  /** `@node` flags: for the node command line only. */
  nodeOnlyFlags: string[];
  /** The task's `@tsc` lines as tsc arguments (`--checkers`, `2`): TypeScript 7's threads, when set. */
  tscArgs: string[];
  heapMb: number | null;
  requestedHeapMb: number | null;
  /**
   * The section the requested heap is written in (`package#task` or `task`); null for the common
   * lines, or when no heap is requested.
   */
  heapSection: string | null;
  /** Set when the heap is expressed as a percentage of the memory limit. */
  heapPercentage: number | null;
  goMemLimit: string;
  memoryLimitBytes: number;
  memorySource: MemorySource;
  memoryDetail: string;
  concurrency: number;
  headroom: number;
  usableBytes: number;
  perTaskMb: number;
  lowered: boolean;
  belowMinimum: boolean;
  /** Human-readable: lowered heaps, caller flags that won, unknown task. `run` prints them on stderr. */
  notes: string[];
}

/** Splits NODE_OPTIONS as Node does: whitespace-separated, double quotes group, backslash escapes inside them. */
export function splitNodeOptions(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '\\' && index + 1 < text.length) current += text[++index];
      else if (char === '"') quoted = false;
      else current += char;
    } else if (char === '"') {
      quoted = true;
      inToken = true;
    } else if (/\s/.test(char)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += char;
      inToken = true;
    }
  }
  if (inToken) tokens.push(current);
  return tokens;
}

/** Quotes a NODE_OPTIONS token when it holds whitespace or quotes. */
export function quoteNodeOption(token: string): string {
  return /[\s"\\]/.test(token) ? `"${token.replace(/["\\]/g, '\\$&')}"` : token;
}

function tokenName(token: string): string {
  const equals = token.indexOf('=');
  return normaliseFlagName(equals === -1 ? token : token.slice(0, equals));
}

/**
 * The caller's NODE_OPTIONS and GOMEMLIMIT from an environment, minus what an outer `heapwise run`
 * appended (recorded in HEAPWISE_APPLIED_*), so that nested runs take their own task's flags.
 */
export function callerEnvironment(env: NodeJS.ProcessEnv): { nodeOptions: string; goMemLimit: string | undefined } {
  let nodeOptions = (env.NODE_OPTIONS ?? '').trim();
  const applied = (env[APPLIED_NODE_OPTIONS_ENV] ?? '').trim();
  if (applied !== '' && (nodeOptions === applied || nodeOptions.endsWith(` ${applied}`))) {
    nodeOptions = nodeOptions.slice(0, nodeOptions.length - applied.length).trim();
  }
  const goMemLimit =
    env.GOMEMLIMIT !== undefined && env.GOMEMLIMIT !== env[APPLIED_GOMEMLIMIT_ENV] ? env.GOMEMLIMIT : undefined;
  return { nodeOptions, goMemLimit };
}

/** A heap given as a percentage of the memory limit, in MB (rounded down). */
export function percentageToMb(percent: number, limitBytes: number): number {
  return Math.floor((limitBytes * percent) / 100 / BYTES_PER_MIB);
}

/** A heap in MB as a percentage of the memory limit, two decimals. */
export function mbToPercentage(mb: number, limitBytes: number): number {
  // Two decimals, rounded down so the heap never comes out above the fitted figure.
  return Math.floor(((mb * BYTES_PER_MIB) / limitBytes) * 100 * 100) / 100;
}

/** The heap a heap flag asks for, in MB: its size, or its percentage of the memory limit. */
function heapFlagMb(flag: FlagLine, limitBytes: number): number {
  return flag.name === HEAP_SIZE_FLAG ? Number(flag.value) : percentageToMb(Number(flag.value), limitBytes);
}

function describeMemory(memory: MemoryLimit): string {
  const detail = memory.source === 'option' ? memory.detail : `${memory.source}: ${memory.detail}`;
  return `${formatBytes(memory.bytes)} (${detail})`;
}

export function resolveTask(config: NodeOptionsConfig, task: string, options: ResolveOptions): Resolution {
  const { memory, concurrency } = options;
  const budget = computeBudget(memory.bytes, config.headroom, concurrency);
  const notes: string[] = [];
  const knownTask =
    config.sections.has(task) ||
    (options.packageName !== undefined && config.sections.has(packageSectionName(options.packageName, task)));
  if (!knownTask) {
    const known = [...config.sections.keys()].join(', ') || 'none';
    notes.push(`no [${task}] section in ${config.file} (sections: ${known}); only the common lines apply`);
  }

  const callerTokens = splitNodeOptions(options.callerNodeOptions ?? '');
  const callerByName = new Map(
    callerTokens.filter((token) => token.startsWith('--')).map((token) => [tokenName(token), token]),
  );
  const callerHeapToken = [...callerByName.entries()].reverse().find(([name]) => HEAP_FLAGS.has(name))?.[1];

  const flags = taskFlags(config, task, options.packageName);
  const heapFlag = taskHeapFlag(config, task, options.packageName);
  const requestedHeapMb = heapFlag === undefined ? undefined : heapFlagMb(heapFlag, memory.bytes);
  // Where the number was written: [package#task], [task], or a common line (no section holds it).
  const heapSection = heapFlag === undefined ? null : flagSection(config, heapFlag);

  let heapMb: number | undefined;
  let lowered = false;
  let belowMinimum = false;
  if (callerHeapToken !== undefined) {
    const name = tokenName(callerHeapToken);
    const value = Number(callerHeapToken.slice(callerHeapToken.indexOf('=') + 1));
    heapMb = name === HEAP_SIZE_FLAG ? value : percentageToMb(value, memory.bytes);
    if (heapFlag && callerHeapToken !== formatFlag(heapFlag)) {
      notes.push(
        `the caller's NODE_OPTIONS sets ${callerHeapToken}; ` +
          `it wins over ${formatFlag(heapFlag)} from ${config.file}:${heapFlag.line}`,
      );
    }
  } else {
    const fitted = fitHeap(requestedHeapMb, budget);
    heapMb = fitted.heapMb;
    lowered = fitted.lowered;
    belowMinimum = fitted.belowMinimum;
    if (lowered && heapFlag) {
      const source = heapSection === null ? `${config.file}:${heapFlag.line}` : `[${heapSection}]`;
      const share =
        `${describeMemory(memory)} × ${config.headroom} headroom ÷ ${concurrency} ` +
        `task${concurrency === 1 ? '' : 's'} at once = ${budget.perTaskMb} MB per task`;
      notes.push(
        belowMinimum
          ? `${source} needs ${requestedHeapMb} MB but its share is only ${share}, ` +
              `below the ${MIN_HEAP_MB} MB minimum: using ${heapMb} MB; run fewer tasks at once or give it more memory`
          : `${source} requested heap ${requestedHeapMb} MB lowered to ${heapMb} MB to fit: ${share}`,
      );
    }
  }

  const usePercentage = options.percentage === true && heapMb !== undefined;
  const heapPercentage = usePercentage && heapMb !== undefined ? mbToPercentage(heapMb, memory.bytes) : undefined;
  const added: string[] = [];
  const nodeOnlyFlags: string[] = [];
  const tscArgs: string[] = [];
  for (const flag of flags) {
    if (flag.tscOnly) {
      // tsc takes `--checkers 2`, not `--checkers=2`.
      tscArgs.push(flag.name, ...(flag.value === undefined || flag.name === '--singleThreaded' ? [] : [flag.value]));
      continue;
    }
    if (flag.nodeOnly) {
      nodeOnlyFlags.push(formatFlag(flag));
      continue;
    }
    if (HEAP_FLAGS.has(flag.name)) continue; // emitted below, fitted
    const callerToken = callerByName.get(flag.name);
    if (callerToken !== undefined) {
      if (callerToken !== formatFlag(flag)) {
        notes.push(
          `the caller's NODE_OPTIONS sets ${callerToken}; ` +
            `it wins over ${formatFlag(flag)} from ${config.file}:${flag.line}`,
        );
      }
      continue;
    }
    added.push(quoteNodeOption(formatFlag(flag)));
  }
  if (callerHeapToken === undefined && heapMb !== undefined) {
    added.push(
      heapPercentage !== undefined ? `${HEAP_PERCENTAGE_FLAG}=${heapPercentage}` : `${HEAP_SIZE_FLAG}=${heapMb}`,
    );
  }

  let goMemLimit = goMemLimitFor(heapMb ?? budget.perTaskMb);
  if (options.callerGoMemLimit !== undefined && options.callerGoMemLimit !== '') {
    if (options.callerGoMemLimit !== goMemLimit)
      notes.push(`the caller's GOMEMLIMIT=${options.callerGoMemLimit} wins over ${goMemLimit}`);
    goMemLimit = options.callerGoMemLimit;
  }

  const callerPart = (options.callerNodeOptions ?? '').trim();
  return {
    task,
    knownTask,
    configFile: config.file,
    flags: added,
    nodeOptions: [callerPart, ...added].filter(Boolean).join(' '),
    nodeOnlyFlags,
    tscArgs,
    heapMb: heapMb ?? null,
    requestedHeapMb: requestedHeapMb ?? null,
    heapSection,
    heapPercentage: heapPercentage ?? null,
    goMemLimit,
    memoryLimitBytes: memory.bytes,
    memorySource: memory.source,
    memoryDetail: memory.detail,
    concurrency,
    headroom: config.headroom,
    usableBytes: budget.usableBytes,
    perTaskMb: budget.perTaskMb,
    lowered,
    belowMinimum,
    notes,
  };
}

/** The largest heap any of `tasks` requests (MB), for choosing turbo's concurrency. */
export function largestRequestedHeapMb(
  config: NodeOptionsConfig,
  tasks: readonly string[],
  memory: MemoryLimit,
): number | undefined {
  let largest: number | undefined;
  for (const task of tasks) {
    const heapFlag = taskHeapFlag(config, task);
    if (heapFlag) largest = Math.max(largest ?? 0, heapFlagMb(heapFlag, memory.bytes));
  }
  return largest;
}
