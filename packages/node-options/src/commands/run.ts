import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError, formatFlag, NODE_ONLY_MARKER, taskFlags } from '../node-options-file.js';
import { APPLIED_GOMEMLIMIT_ENV, APPLIED_NODE_OPTIONS_ENV, callerEnvironment, resolveTask } from '../resolve.js';
import { runChild } from '../child.js';
import {
  CONFIG_OPTION,
  UsageError,
  concurrency,
  loadConfig,
  memoryLimit,
  parseOptions,
  type Command,
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

export const runCommand: Command = {
  name: 'run',
  summary: "run a command with the task's NODE_OPTIONS and GOMEMLIMIT, fitted to the memory budget",
  help: `Usage: heapwise run <task> [--config <file>] -- <command> [args…]

Runs <command> with NODE_OPTIONS = the caller's NODE_OPTIONS + the task's flags from .node-options
(a flag the caller set explicitly wins, with a note), the heap fitted to the memory budget, and
GOMEMLIMIT set from the same figure. Lines marked '${NODE_ONLY_MARKER}' go on the command line when
<command> is node, and are refused otherwise. The budget divides by $HEAPWISE_CONCURRENCY (set by
\`heapwise turbo\`), else 1.
Signals reach the command exactly once (SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR2). The exit code is
the command's, or 128+signal when it was killed; 2 for a usage or configuration error; 127 when the
command cannot be started.`,
  async main(args, context) {
    const separator = args.indexOf('--');
    if (separator === -1)
      throw new UsageError('run: missing -- before the command (heapwise run <task> -- <command> [args…])');
    const { values, positionals } = parseOptions(args.slice(0, separator), { ...CONFIG_OPTION });
    const [task, ...extra] = positionals;
    const [command, ...commandArgs] = args.slice(separator + 1);
    if (task === undefined) throw new UsageError('run: missing <task> (heapwise run <task> -- <command> [args…])');
    if (extra.length > 0) throw new UsageError(`run: unexpected argument '${extra[0]}' before --`);
    if (command === undefined) throw new UsageError('run: missing <command> after --');

    const config = loadConfig(context, values.config);
    const caller = callerEnvironment(context.env);
    const packageName = runningPackage(context.env, context.cwd);
    const resolution = resolveTask(config, task, {
      memory: memoryLimit(context, undefined),
      concurrency: concurrency(context, undefined),
      callerNodeOptions: caller.nodeOptions,
      callerGoMemLimit: caller.goMemLimit,
      packageName,
    });

    let finalArgs = commandArgs;
    const nodeOnly = taskFlags(config, task, packageName).filter((flag) => flag.nodeOnly);
    if (nodeOnly.length > 0) {
      if (!isNodeCommand(command)) {
        const first = nodeOnly[0]!;
        throw new ConfigError([
          {
            file: config.file,
            line: first.line,
            reason: `'${NODE_ONLY_MARKER} ${formatFlag(first)}' is for the node command line only, and [${task}] runs '${command}', not node`,
          },
        ]);
      }
      finalArgs = [...nodeOnly.map(formatFlag), ...commandArgs];
    }
    for (const note of resolution.notes) context.err(`heapwise: ${note}`);

    const env: NodeJS.ProcessEnv = { ...context.env, GOMEMLIMIT: resolution.goMemLimit };
    if (resolution.nodeOptions === '') delete env.NODE_OPTIONS;
    else env.NODE_OPTIONS = resolution.nodeOptions;
    env[APPLIED_NODE_OPTIONS_ENV] = resolution.flags.join(' ');
    if (caller.goMemLimit === undefined) env[APPLIED_GOMEMLIMIT_ENV] = resolution.goMemLimit;
    else delete env[APPLIED_GOMEMLIMIT_ENV];
    return runChild(command, finalArgs, { env, cwd: context.cwd });
  },
};
