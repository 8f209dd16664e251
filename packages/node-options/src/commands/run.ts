import { readFileSync, unlinkSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from '../task-process.js';
import { estimateFromPeaks } from '../estimate.js';
import { peaksOf, readLedgerFile, recordPeak } from '../ledger.js';
import { ConfigError, formatFlag, NODE_ONLY_MARKER, taskFlags } from '../node-options-file.js';
import { defaultPoolDir, reserve, type Admission } from '../pool.js';
import { APPLIED_GOMEMLIMIT_ENV, APPLIED_NODE_OPTIONS_ENV, callerEnvironment, resolveTask } from '../resolve.js';
import { PeakSampler } from '../sampler.js';
import { BYTES_PER_MIB } from '../size.js';
import { appendRunLine, RUN_ID_ENV, runFile } from '../run-records.js';
import { ledgerFileFor, PARENT_TASK_ENV, PERSISTENT_ENV, scriptOfKey, taskKey } from '../task-identity.js';
import {
  CONFIG_OPTION,
  UsageError,
  concurrency,
  loadConfig,
  locateConfig,
  machineMemoryLimit,
  parseOptions,
  type Command,
  type CommandContext,
} from './common.js';

/** `node`, `node.exe`, or the very binary running us. */
function isNodeCommand(command: string): boolean {
  return command === process.execPath || /^node(\.exe)?$/i.test(basename(command));
}

/**
 * The package whose script runs: npm and pnpm set npm_package_name for a script; otherwise the
 * package.json in the working directory. Its `[package#task]` section, if any, applies.
 */
function runningPackage(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  if (env.npm_package_name) return env.npm_package_name;
  try {
    const name = (JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined; // no package here: [task] alone applies
  }
}

/**
 * The preload that reports a node command's V8 heap after its last major GC. This module runs as
 * src/commands/*.ts, dist/commands/*.js or a bundled chunk in dist/bin/: two directories below the
 * package either way.
 */
const V8_HEAP_PRELOAD = fileURLToPath(new URL('../../preload/v8-heap.cjs', import.meta.url));
export const V8_HEAP_FILE_ENV = 'HEAPWISE_V8_HEAP_FILE';

/** Reads and removes the preload's figure; undefined when it wrote none. */
function takeV8HeapBytes(file: string | undefined): number | undefined {
  if (file === undefined) return undefined;
  try {
    const bytes = Number(readFileSync(file, 'utf8'));
    unlinkSync(file);
    return Number.isFinite(bytes) && bytes >= 0 ? bytes : undefined;
  } catch {
    return undefined; // no major GC, or killed before its exit handler ran
  }
}

/** Everything needed once the command runs; what was read to decide it is not kept. */
interface RunPlan {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  key: string;
  ledgerFile: string;
  estimateBytes: number;
  learned: boolean;
  /** Undefined for persistent and nested tasks. */
  pool: { dir: string; limitBytes: number } | undefined;
  /** Where a node command's preload writes its V8 heap; undefined for other commands. */
  v8HeapFile: string | undefined;
  runId: string | undefined;
}

/**
 * Thread flags for TypeScript 7's tsc: none when the command line or the project's tsconfig sets
 * them (they are closer to the command), else the task's `@tsc` lines, else heapwise's rule.
 */
async function tscThreadArgs(
  command: string,
  args: readonly string[],
  context: CommandContext,
  share: { concurrency: number; memoryShareBytes: number; fromConfig: readonly string[] },
): Promise<string[]> {
  if (!/^(tsc|tsgo)(\.cmd|\.exe)?$/i.test(basename(command))) return [];
  const threads = await import('../tsc-threads.js');
  if ((threads.typescriptMajor(command, context.env, context.cwd) ?? 0) < 7) return [];
  if (threads.argsSetThreads(args) || (await threads.tsconfigSetsThreads(args, context.cwd))) return [];
  if (share.fromConfig.length > 0) return [...share.fromConfig];
  const choice = threads.chooseTscThreads({
    cpus: availableParallelism(),
    concurrency: share.concurrency,
    memoryShareBytes: share.memoryShareBytes,
    build: threads.isBuildMode(args),
  });
  return threads.tscThreadArgs(choice);
}

async function planRun(args: string[], context: CommandContext): Promise<RunPlan> {
  const separator = args.indexOf('--');
  if (separator === -1)
    throw new UsageError('run: missing -- before the command (heapwise run <task> -- <command> [args…])');
  const { values, positionals } = parseOptions(args.slice(0, separator), {
    ...CONFIG_OPTION,
    memory: { type: 'string' },
  });
  const [task, ...extra] = positionals;
  const [command, ...commandArgs] = args.slice(separator + 1);
  if (task === undefined) throw new UsageError('run: missing <task> (heapwise run <task> -- <command> [args…])');
  if (extra.length > 0) throw new UsageError(`run: unexpected argument '${extra[0]}' before --`);
  if (command === undefined) throw new UsageError('run: missing <command> after --');

  const configFile = locateConfig(context, values.config);
  const config = loadConfig(context, values.config);
  const memory = machineMemoryLimit(context, values.memory);
  const tasksAtOnce = concurrency(context, undefined);
  const key = taskKey(context.env, context.cwd, task);
  const nested = Boolean(context.env[PARENT_TASK_ENV]);
  const persistent = (context.env[PERSISTENT_ENV] ?? '').split(',').includes(scriptOfKey(key));
  const admitted = !nested && !persistent;
  const caller = callerEnvironment(context.env);
  const packageName = runningPackage(context.env, context.cwd);
  // Admitted by the pool, a task may use up to the whole usable memory (the cap is its request, not
  // its estimate: see the README's heap-flag rule). Persistent tasks all run at once: each gets its
  // share of the usable memory, as before the pool.
  const resolution = resolveTask(config, task, {
    memory,
    concurrency: admitted ? 1 : tasksAtOnce,
    callerNodeOptions: caller.nodeOptions,
    callerGoMemLimit: caller.goMemLimit,
    packageName,
  });

  let finalArgs = commandArgs;
  const nodeOnly = taskFlags(config, task, packageName).filter((flag) => flag.nodeOnly);
  if (nodeOnly.length > 0) {
    if (!isNodeCommand(command)) {
      const first = nodeOnly[0];
      throw new ConfigError([
        {
          file: config.file,
          line: first.line,
          reason:
            `'${NODE_ONLY_MARKER} ${formatFlag(first)}' is for the node command line only, ` +
            `and [${task}] runs '${command}', not node`,
        },
      ]);
    }
    finalArgs = [...nodeOnly.map(formatFlag), ...commandArgs];
  }
  for (const note of resolution.notes) context.err(`heapwise: ${note}`);

  const ledgerFile = ledgerFileFor({
    env: context.env,
    cwd: context.cwd,
    configFile,
    configLedger: config.ledger,
  });
  const { ledger, problem } = readLedgerFile(ledgerFile);
  if (problem !== undefined) context.err(`heapwise: ${problem}; starting a new one`);
  const learnedBytes = estimateFromPeaks(peaksOf(ledger, key));
  const shareBytes = Math.floor(resolution.usableBytes / tasksAtOnce);
  const requestBytes = resolution.requestedHeapMb === null ? shareBytes : resolution.requestedHeapMb * BYTES_PER_MIB;
  const estimateBytes = learnedBytes ?? requestBytes;

  finalArgs = [
    ...finalArgs,
    ...(await tscThreadArgs(command, finalArgs, context, {
      concurrency: tasksAtOnce,
      memoryShareBytes: shareBytes,
      fromConfig: resolution.tscArgs,
    })),
  ];

  const env: NodeJS.ProcessEnv = { ...context.env, GOMEMLIMIT: resolution.goMemLimit, [PARENT_TASK_ENV]: key };
  let v8HeapFile: string | undefined;
  if (isNodeCommand(command)) {
    v8HeapFile = join(tmpdir(), `heapwise-v8-heap-${process.pid}-${Date.now()}`);
    env[V8_HEAP_FILE_ENV] = v8HeapFile;
    finalArgs = ['--require', V8_HEAP_PRELOAD, ...finalArgs];
  } else delete env[V8_HEAP_FILE_ENV];
  if (resolution.nodeOptions === '') delete env.NODE_OPTIONS;
  else env.NODE_OPTIONS = resolution.nodeOptions;
  env[APPLIED_NODE_OPTIONS_ENV] = resolution.flags.join(' ');
  if (caller.goMemLimit === undefined) env[APPLIED_GOMEMLIMIT_ENV] = resolution.goMemLimit;
  else delete env[APPLIED_GOMEMLIMIT_ENV];
  return {
    command,
    args: finalArgs,
    env,
    key,
    ledgerFile,
    estimateBytes,
    learned: learnedBytes !== undefined,
    pool: admitted ? { dir: defaultPoolDir(context.env), limitBytes: resolution.usableBytes } : undefined,
    v8HeapFile,
    runId: nested ? undefined : context.env[RUN_ID_ENV] || undefined,
  };
}

async function execute(plan: RunPlan, context: CommandContext): Promise<number> {
  const arrivalMs = Date.now();
  let admission: Admission | undefined;
  if (plan.pool) {
    try {
      admission = await reserve({
        dir: plan.pool.dir,
        key: plan.key,
        bytes: plan.estimateBytes,
        limitBytes: plan.pool.limitBytes,
        onWait: (line) => context.err(line),
      });
    } catch (error) {
      // An unwritable temporary directory must not stop the build; it only loses the admission.
      context.err(`heapwise: [${plan.key}] runs without the memory pool: ${(error as Error).message}`);
    }
  }
  const startMs = Date.now();
  // Rooted at this process: the wrapper's own memory counts with its command's.
  const sampler = new PeakSampler(process.pid);
  sampler.start();
  let exitCode = 1;
  try {
    exitCode = await runChild(plan.command, plan.args, { env: plan.env, cwd: context.cwd });
  } finally {
    admission?.release();
  }
  const summary = sampler.stop();
  const endMs = Date.now();
  const v8HeapBytes = takeV8HeapBytes(plan.v8HeapFile);
  if (exitCode === 127 && summary.samples === 0) return exitCode; // never started
  try {
    const problem = recordPeak(plan.ledgerFile, plan.key, {
      bytes: summary.peakBytes,
      atMs: endMs,
      durationMs: endMs - startMs,
      exitCode,
      ...(v8HeapBytes === undefined ? {} : { v8HeapBytes }),
    });
    if (problem !== undefined)
      context.err(`heapwise: ${problem}; kept aside as ${basename(plan.ledgerFile)}.unreadable`);
    if (plan.runId !== undefined) {
      appendRunLine(runFile(dirname(plan.ledgerFile), plan.runId), {
        type: 'task',
        key: plan.key,
        arrivalMs,
        startMs,
        endMs,
        estimateBytes: plan.estimateBytes,
        learned: plan.learned,
        peakBytes: summary.peakBytes,
        ...(v8HeapBytes === undefined ? {} : { v8HeapBytes }),
        exitCode,
        timeline: summary.timeline,
      });
    }
  } catch (error) {
    // The task's result matters more than its measurement.
    context.err(`heapwise: [${plan.key}] peak not recorded: ${(error as Error).message}`);
  }
  return exitCode;
}

export const runCommand: Command = {
  name: 'run',
  summary: "run a command with the task's NODE_OPTIONS and GOMEMLIMIT, admitted by memory, its peak learned",
  help: `Usage: heapwise run <task> [--memory <size>] [--config <file>] -- <command> [args…]

Runs <command> with NODE_OPTIONS = the caller's NODE_OPTIONS + the task's flags from .node-options
(a flag the caller set explicitly wins, with a note), the heap fitted to the usable memory, and
GOMEMLIMIT set from the same figure. Lines marked '${NODE_ONLY_MARKER}' go on the command line when
<command> is node, and are refused otherwise.
Before starting, the run reserves its estimate (recent peaks from the ledger plus a margin; its
heap request the first time) from the machine's memory pool, and waits, saying so, while the pool
cannot hold it. Its process tree's peak memory is recorded in the ledger when it exits.
TypeScript 7's tsc gets --checkers/--builders (or --singleThreaded) from its share of CPUs and
memory unless its command line or tsconfig sets them.
  --memory <size>   lower the memory limit (also $HEAPWISE_MEMORY); above the machine's: exit 2
Signals reach the command exactly once (SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR2); if heapwise is
killed, its command is killed too. The exit code is the command's, or 128+signal when it was killed;
2 for a usage or configuration error; 127 when the command cannot be started.`,
  async main(args, context) {
    return execute(await planRun(args, context), context);
  },
};
