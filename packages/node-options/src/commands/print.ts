import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { findUp } from '../find-up.js';
import {
  HEAP_PERCENTAGE_FLAG,
  packageSectionName,
  packagesWithOwnSection,
  splitSectionName,
  type NodeOptionsConfig,
} from '../node-options-file.js';
import { callerEnvironment, resolveTask, type ResolveOptions, type Resolution } from '../resolve.js';
import { supportsHeapPercentage } from '../runtime.js';
import { BYTES_PER_MIB, formatBytes } from '../size.js';
import { ledgerFileFor, PERSISTENT_ENV, scriptOfKey } from '../task-identity.js';
import {
  CONFIG_OPTION,
  PLANNING_OPTIONS,
  UsageError,
  concurrency,
  displayPath,
  loadConfig,
  locateConfig,
  memoryLimit,
  parseOptions,
  type Command,
  type CommandContext,
} from './common.js';

interface LearnedTask {
  key: string;
  /** Recorded peaks, oldest first, bytes. */
  peaks: number[];
  estimateBytes: number;
}

interface Learned {
  ledger: string;
  /** Every task in the ledger. */
  taskCount: number;
  /** Those whose script is the printed task, in any package (in the printed package only, for `package#task`). */
  tasks: LearnedTask[];
}

async function learnedFor(
  context: CommandContext,
  configFile: string,
  configLedger: string | undefined,
  task: string,
  packageName: string | undefined,
): Promise<Learned> {
  const [{ readLedgerFile, peaksOf }, { estimateFromPeaks }] = await Promise.all([
    import('../ledger.js'),
    import('../estimate.js'),
  ]);
  const file = ledgerFileFor({ env: context.env, cwd: context.cwd, configFile, configLedger });
  const { ledger } = readLedgerFile(file);
  const keys = Object.keys(ledger.tasks);
  const tasks = keys
    .filter((key) => (packageName === undefined ? scriptOfKey(key) === task : key === `${packageName}#${task}`))
    .map((key) => {
      const peaks = peaksOf(ledger, key);
      return { key, peaks, estimateBytes: estimateFromPeaks(peaks) ?? 0 };
    });
  return { ledger: displayPath(file, context.cwd), taskCount: keys.length, tasks };
}

/**
 * TypeScript 7's threads under this plan (builders: for `tsc -b`), or null without a TypeScript 7 tsc
 * here; `source` says whether the task's `@tsc` lines chose them or heapwise's rule did.
 */
async function tscFor(context: CommandContext, resolution: Resolution): Promise<Record<string, unknown> | null> {
  const threads = await import('../tsc-threads.js');
  const bins = findUp(context.cwd, (dir) => {
    const bin = join(dir, 'node_modules', '.bin');
    return (threads.typescriptMajor('tsc', { PATH: bin }, dir) ?? 0) >= 7 ? bin : undefined;
  });
  const onPath = (threads.typescriptMajor('tsc', context.env, context.cwd) ?? 0) >= 7;
  if (bins === undefined && !onPath) return null;
  if (resolution.tscArgs.length > 0)
    return { ...threads.threadsFromArgs(resolution.tscArgs, true), flags: resolution.tscArgs, source: 'node-options' };
  const choice = threads.chooseTscThreads({
    cpus: availableParallelism(),
    concurrency: resolution.concurrency,
    memoryShareBytes: resolution.perTaskMb * BYTES_PER_MIB,
    build: true,
  });
  return { ...choice, flags: threads.tscThreadArgs(choice), source: 'heapwise' };
}

const FORMATS = ['env', 'shell', 'json'] as const;
type Format = (typeof FORMATS)[number];

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A package's own `[package#task]` request, resolved as `heapwise run` resolves it in that package. */
export interface PackagePlan {
  package: string;
  section: string;
  requestedHeapMb: number | null;
  heapMb: number | null;
  lowered: boolean;
  nodeOptions: string;
  goMemLimit: string;
}

/** Every package whose own section changes `task`, resolved under the same plan as the task itself. */
export function packagePlans(config: NodeOptionsConfig, task: string, options: ResolveOptions): PackagePlan[] {
  return packagesWithOwnSection(config, task).map((packageName) => {
    const resolution = resolveTask(config, task, { ...options, packageName });
    return {
      package: packageName,
      section: packageSectionName(packageName, task),
      requestedHeapMb: resolution.requestedHeapMb,
      heapMb: resolution.heapMb,
      lowered: resolution.lowered,
      nodeOptions: resolution.nodeOptions,
      goMemLimit: resolution.goMemLimit,
    };
  });
}

/** The `print --format json` object: the fields scripts read (task to memoryLimitBytes) first, then the details. */
export function printJson(resolution: Resolution): Record<string, unknown> {
  return {
    task: resolution.task,
    nodeOptions: resolution.nodeOptions,
    heapMb: resolution.heapMb,
    requestedHeapMb: resolution.requestedHeapMb,
    goMemLimit: resolution.goMemLimit,
    memoryLimitBytes: resolution.memoryLimitBytes,
    memorySource: resolution.memorySource,
    concurrency: resolution.concurrency,
    heapPercentage: resolution.heapPercentage,
    memoryDetail: resolution.memoryDetail,
    headroom: resolution.headroom,
    usableBytes: resolution.usableBytes,
    perTaskMb: resolution.perTaskMb,
    lowered: resolution.lowered,
    flags: resolution.flags,
    nodeOnlyFlags: resolution.nodeOnlyFlags,
    knownTask: resolution.knownTask,
    config: resolution.configFile,
    notes: resolution.notes,
  };
}

export const printCommand: Command = {
  name: 'print',
  summary: 'print what `run` would set (NODE_OPTIONS, GOMEMLIMIT), for Dockerfiles and CI',
  help: `Usage: heapwise print <task>|<package#task> [--format env|shell|json] [--memory <size>]
                      [--concurrency <n>] [--percentage] [--config <file>]

Prints what \`heapwise run <task>\` would set; with <package#task> (turbo's spelling), what it would
set in that package, whose own [package#task] section adds to [task]. Notes (a lowered heap, a
caller flag that wins, the packages with their own section for the task) go to stderr.
  --format env      NODE_OPTIONS=… and GOMEMLIMIT=… lines, unquoted (env files, $GITHUB_ENV) [default]
  --format shell    export lines, quoted for eval in sh
  --format json     one JSON object: task, nodeOptions, heapMb, requestedHeapMb, goMemLimit,
                    memoryLimitBytes, memorySource, concurrency, and details (packages: each
                    [package#task] section of the task, resolved)
  --memory <size>   plan for a machine with this much memory (7g, 512m, 8GiB; units of 1024)
  --concurrency <n> plan for n tasks at once (default: $HEAPWISE_CONCURRENCY, else 1)
  --percentage      express the heap as ${HEAP_PERCENTAGE_FLAG} of the memory limit
                    (Node 22.21+/24.6+): for a service alone in a container that may be resized
  --config <file>   use this file instead of the nearest .node-options`,
  async main(args, context) {
    const { values, positionals } = parseOptions(args, {
      ...CONFIG_OPTION,
      ...PLANNING_OPTIONS,
      format: { type: 'string', default: 'env' },
      percentage: { type: 'boolean' },
    });
    const [target, ...extra] = positionals;
    if (target === undefined) throw new UsageError('print: missing <task> (e.g. heapwise print build)');
    if (extra.length > 0) throw new UsageError(`print: unexpected argument '${extra[0]}'`);
    const { packageName, task } = splitSectionName(target);
    if (task === '' || packageName === '')
      throw new UsageError(`print: expected <task> or <package#task>, got '${target}'`);
    const format = values.format as Format;
    if (!FORMATS.includes(format))
      throw new UsageError(`print: --format must be one of ${FORMATS.join(', ')}, got '${format}'`);
    if (values.percentage === true && !supportsHeapPercentage()) {
      throw new UsageError(
        `print: --percentage needs ${HEAP_PERCENTAGE_FLAG}, ` +
          `which Node ${process.version} does not accept (22.21+, 24.6+)`,
      );
    }
    const configFile = locateConfig(context, values.config);
    const config = loadConfig(context, values.config);
    const caller = callerEnvironment(context.env);
    // As `run` does: a task admitted by the memory pool may use the whole usable memory; only
    // persistent tasks (and a plan with --concurrency) divide it by the tasks at once.
    const persistent = (context.env[PERSISTENT_ENV] ?? '').split(',').includes(task);
    const options: ResolveOptions = {
      memory: memoryLimit(context, values.memory),
      concurrency: values.concurrency !== undefined || persistent ? concurrency(context, values.concurrency) : 1,
      callerNodeOptions: caller.nodeOptions,
      callerGoMemLimit: caller.goMemLimit,
      percentage: values.percentage === true,
    };
    const resolution = resolveTask(config, task, { ...options, packageName });
    for (const note of resolution.notes) context.err(`heapwise: ${note}`);
    const packages = packagePlans(config, task, options);
    const learned = await learnedFor(context, configFile, config.ledger, task, packageName);
    if (format === 'json') {
      const tsc = await tscFor(context, resolution);
      const json = { ...printJson(resolution), package: packageName ?? null, packages, tsc, learned };
      context.out(JSON.stringify(json, null, 2));
      return 0;
    }
    if (packageName === undefined && packages.length > 0) {
      const requests = packages.map(
        (plan) => `${plan.package} (${plan.requestedHeapMb === null ? 'no heap' : `${plan.requestedHeapMb} MB`})`,
      );
      context.err(
        `heapwise: packages with their own [package#${task}] section: ${requests.join(', ')}; ` +
          `heapwise print <package>#${task} prints one`,
      );
    }
    if (learned.taskCount > 0) {
      const estimates = learned.tasks.map(
        (entry) =>
          `${entry.key} peaked at ${formatBytes(Math.max(...entry.peaks))} ` +
          `(${entry.peaks.length} run${entry.peaks.length === 1 ? '' : 's'}), ` +
          `reserves ${formatBytes(entry.estimateBytes)}`,
      );
      context.err(
        `heapwise: learned (${learned.ledger}, ${learned.taskCount} task${learned.taskCount === 1 ? '' : 's'}): ` +
          (estimates.length > 0
            ? estimates.join('; ')
            : `[${task}] not measured yet: its first run reserves ` +
              (resolution.requestedHeapMb === null ? 'its share' : `its ${resolution.requestedHeapMb} MB request`)),
      );
    }
    if (resolution.nodeOnlyFlags.length > 0) {
      context.err(`heapwise: node command line only (not in NODE_OPTIONS): ${resolution.nodeOnlyFlags.join(' ')}`);
    }
    if (format === 'shell') {
      context.out(`export NODE_OPTIONS=${shellQuote(resolution.nodeOptions)}`);
      context.out(`export GOMEMLIMIT=${shellQuote(resolution.goMemLimit)}`);
    } else {
      context.out(`NODE_OPTIONS=${resolution.nodeOptions}`);
      context.out(`GOMEMLIMIT=${resolution.goMemLimit}`);
    }
    return 0;
  },
};
