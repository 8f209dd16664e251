import { dirname } from 'node:path';
import { chooseConcurrency, computeBudget, cpuConcurrencyCap, heapsThatFit } from '../budget.js';
import { runChild } from '../child.js';
import { CONCURRENCY_ENV, largestRequestedHeapMb } from '../resolve.js';
import { formatBytes } from '../size.js';
import { persistentTasks, tasksWithDependencies } from '../turbo-graph.js';
import {
  countSelectedWithScript,
  parseTurboRunArgs,
  readWorkspaceGraph,
  selectPackages,
  TurboArgsError,
} from '../turbo-args.js';
import { findTurboConfig, findWorkspaceRoot } from '../workspace.js';
import {
  UsageError,
  availableCpus,
  loadConfig,
  locateConfig,
  memoryLimit,
  parsePositiveInteger,
  type Command,
} from './common.js';

/** turbo's `--concurrency` accepts `N` or `P%` of the CPUs. */
function parseTurboConcurrency(text: string, cpus: number): number {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  if (percent) return Math.max(1, Math.floor((cpus * Number(percent[1])) / 100));
  return parsePositiveInteger(text, '--concurrency');
}

export const turboCommand: Command = {
  name: 'turbo',
  summary: "run `turbo run` with --concurrency chosen so that the tasks' heaps fit the budget",
  help: `Usage: heapwise turbo [turbo run options…] <task…> [turbo run options…] [-- task args…]

Runs \`turbo run <task…> --concurrency N [turbo args…]\` with N = as many tasks as fit the largest
heap among <task…> and the tasks they depend on (turbo.json dependsOn) into the usable memory,
never above the cap: the --concurrency you pass (N or P% of the CPUs), else min(10, max(2, CPUs)).
Tasks get HEAPWISE_CONCURRENCY=N so that \`heapwise run\` inside them divides the budget by N, and
TURBO_TELEMETRY_DISABLED=1. turbo itself is found on PATH (npm scripts and npx put it there).
Options go before or after the task names, as with turbo. Persistent tasks (dev servers) are counted
in the packages that --filter/-F selects (names, globs, ./folders, ... and ^, ! exclusions); a git
range or --affected counts every package.`,
  async main(args, context) {
    if (args.includes('--help') || args.includes('-h')) {
      context.out(turboCommand.help);
      return 0;
    }
    let parsed;
    try {
      parsed = parseTurboRunArgs(args);
    } catch (error) {
      if (error instanceof TurboArgsError) throw new UsageError(error.message);
      throw error;
    }
    const { tasks, rest, userConcurrency } = parsed;
    if (tasks.length === 0) throw new UsageError('turbo: missing <task> (e.g. heapwise turbo build)');
    const config = loadConfig(context, undefined);
    const memory = memoryLimit(context, undefined);
    const budget = computeBudget(memory.bytes, config.headroom, 1);
    const cpus = availableCpus(context);
    const cap = userConcurrency === undefined ? cpuConcurrencyCap(cpus) : parseTurboConcurrency(userConcurrency, cpus);
    const turboJson = findTurboConfig(dirname(locateConfig(context, undefined)));
    const allTasks = tasksWithDependencies(tasks, turboJson);
    const largestMb = largestRequestedHeapMb(config, allTasks, memory);
    let chosen = chooseConcurrency(budget.usableBytes, largestMb, cap);
    // turbo refuses to start unless concurrency exceeds the number of persistent tasks (dev servers):
    // they all run at once whatever we choose, so go up to that and say that the heaps get lowered.
    const root = findWorkspaceRoot(context.cwd);
    const persistent = persistentTasks(tasks, turboJson);
    let persistentCount = 0;
    if (root !== undefined && persistent.length > 0) {
      const graph = readWorkspaceGraph(root);
      const selection = selectPackages(graph, parsed.filters, parsed.affected);
      if (selection.unknown !== undefined) {
        context.err(
          `heapwise: ${selection.unknown} is not evaluated here: every package's persistent tasks are counted`,
        );
      }
      persistentCount = persistent.reduce((sum, task) => sum + countSelectedWithScript(graph, selection, task), 0);
    }
    if (userConcurrency === undefined && persistentCount > 0 && chosen <= persistentCount) {
      chosen = persistentCount + 1;
      context.err(
        `heapwise: ${persistentCount} persistent task(s) run at once: turbo needs --concurrency ${chosen}; heaps are fitted to that share`,
      );
    }
    const capReason =
      userConcurrency === undefined
        ? `cap min(10, max(2, ${cpus} CPUs)) = ${cap}`
        : `your --concurrency ${userConcurrency}`;
    const fitReason =
      largestMb === undefined
        ? 'no task requests a heap'
        : `${formatBytes(budget.usableBytes)} usable fits ${heapsThatFit(budget.usableBytes, largestMb)} × ${largestMb} MB (largest heap of ${allTasks.join(', ')})`;
    context.err(`heapwise: turbo --concurrency ${chosen} (${capReason}; ${fitReason})`);

    const env: NodeJS.ProcessEnv = { ...context.env, TURBO_TELEMETRY_DISABLED: '1', [CONCURRENCY_ENV]: String(chosen) };
    return runChild('turbo', ['run', ...tasks, '--concurrency', String(chosen), ...rest], { env, cwd: context.cwd });
  },
};
