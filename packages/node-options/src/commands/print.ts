import { HEAP_PERCENTAGE_FLAG } from '../node-options-file.js';
import { callerEnvironment, resolveTask, type Resolution } from '../resolve.js';
import { supportsHeapPercentage } from '../runtime.js';
import {
  CONFIG_OPTION,
  PLANNING_OPTIONS,
  UsageError,
  concurrency,
  loadConfig,
  memoryLimit,
  parseOptions,
  type Command,
} from './common.js';

const FORMATS = ['env', 'shell', 'json'] as const;
type Format = (typeof FORMATS)[number];

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
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
  help: `Usage: heapwise print <task> [--format env|shell|json] [--memory <size>] [--concurrency <n>]
                      [--percentage] [--config <file>]

Prints what \`heapwise run <task>\` would set. Notes (a lowered heap, a caller flag that wins) go
to stderr.
  --format env      NODE_OPTIONS=… and GOMEMLIMIT=… lines, unquoted (env files, $GITHUB_ENV) [default]
  --format shell    export lines, quoted for eval in sh
  --format json     one JSON object: task, nodeOptions, heapMb, requestedHeapMb, goMemLimit,
                    memoryLimitBytes, memorySource, concurrency, and details
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
    const [task, ...extra] = positionals;
    if (task === undefined) throw new UsageError('print: missing <task> (e.g. heapwise print build)');
    if (extra.length > 0) throw new UsageError(`print: unexpected argument '${extra[0]}'`);
    const format = values.format as Format;
    if (!FORMATS.includes(format))
      throw new UsageError(`print: --format must be one of ${FORMATS.join(', ')}, got '${format}'`);
    if (values.percentage === true && !supportsHeapPercentage()) {
      throw new UsageError(
        `print: --percentage needs ${HEAP_PERCENTAGE_FLAG}, which Node ${process.version} does not accept (22.21+, 24.6+)`,
      );
    }
    const config = loadConfig(context, values.config);
    const caller = callerEnvironment(context.env);
    const resolution = resolveTask(config, task, {
      memory: memoryLimit(context, values.memory),
      concurrency: concurrency(context, values.concurrency),
      callerNodeOptions: caller.nodeOptions,
      callerGoMemLimit: caller.goMemLimit,
      percentage: values.percentage === true,
    });
    for (const note of resolution.notes) context.err(`heapwise: ${note}`);
    if (format === 'json') {
      context.out(JSON.stringify(printJson(resolution), null, 2));
      return 0;
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
