import { dirname } from 'node:path';
import { chooseConcurrency, computeBudget, cpuConcurrencyCap, heapsThatFit } from '../budget.js';
import { runChild } from '../child.js';
import { CONCURRENCY_ENV, largestRequestedHeapMb } from '../resolve.js';
import { formatBytes } from '../size.js';
import { persistentTasks, tasksWithDependencies } from '../turbo-graph.js';
import { countWorkspacesWithScript, findTurboConfig, findWorkspaceRoot } from '../workspace.js';
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

/** Splits `<task…> [turbo args]`, taking out a user's --concurrency. */
function splitTurboArgs(args: string[]): { tasks: string[]; rest: string[]; userConcurrency: string | undefined } {
  const tasks: string[] = [];
  const rest: string[] = [];
  let userConcurrency: string | undefined;
  let inTasks = true;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (inTasks && !arg.startsWith('-')) {
      tasks.push(arg);
      continue;
    }
    inTasks = false;
    if (arg === '--concurrency') {
      userConcurrency = args[index + 1];
      if (userConcurrency === undefined) throw new UsageError('turbo: --concurrency needs a value');
      index += 1;
    } else if (arg.startsWith('--concurrency=')) {
      userConcurrency = arg.slice('--concurrency='.length);
    } else {
      rest.push(arg);
    }
  }
  return { tasks, rest, userConcurrency };
}

export const turboCommand: Command = {
  name: 'turbo',
  summary: "run `turbo run` with --concurrency chosen so that the tasks' heaps fit the budget",
  help: `Usage: heapwise turbo <task…> [turbo args…]

Runs \`turbo run <task…> --concurrency N [turbo args…]\` with N = as many tasks as fit the largest
heap among <task…> and the tasks they depend on (turbo.json dependsOn) into the usable memory,
never above the cap: the --concurrency you pass (N or P% of the CPUs), else min(10, max(2, CPUs)).
Tasks get HEAPWISE_CONCURRENCY=N so that \`heapwise run\` inside them divides the budget by N, and
TURBO_TELEMETRY_DISABLED=1. turbo itself is found on PATH (npm scripts and npx put it there).`,
  async main(args, context) {
    if (args.includes('--help') || args.includes('-h')) {
      context.out(turboCommand.help);
      return 0;
    }
    const { tasks, rest, userConcurrency } = splitTurboArgs(args);
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
    const persistentCount =
      root === undefined
        ? 0
        : persistentTasks(tasks, turboJson).reduce((sum, task) => sum + countWorkspacesWithScript(root, task), 0);
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
