import { dirname } from 'node:path';
import { computeBudget, cpuConcurrencyCap } from '../budget.js';
import { runChild } from '../task-process.js';
import { LEDGER_ENV } from '../ledger.js';
import { CONCURRENCY_ENV } from '../resolve.js';
import { appendRunLine, MAX_RUN_FILES, newRunId, pruneRunFiles, RUN_ID_ENV, runFile } from '../run-records.js';
import { formatBytes } from '../size.js';
import { ledgerFileFor, PERSISTENT_ENV } from '../task-identity.js';
import { persistentTasks } from '../turbo-graph.js';
import {
  countSelectedWithScript,
  parseTurboRunArgs,
  readWorkspaceGraph,
  selectPackages,
  TurboArgsError,
} from '../turbo-args.js';
import { findTurboConfig, findWorkspaceRoot } from '../workspace.js';
import {
  MEMORY_ENV,
  UsageError,
  availableCpus,
  displayPath,
  loadConfig,
  locateConfig,
  machineMemoryLimit,
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
  summary: 'run `turbo run` at CPU concurrency; the memory pool decides which tasks run together',
  help: `Usage: heapwise turbo [turbo run options…] <task…> [turbo run options…] [-- task args…]

Runs \`turbo run <task…> --concurrency N [turbo args…]\` with N from the CPUs: the --concurrency you
pass (N or P% of the CPUs), else min(10, max(2, CPUs)). Memory decides what actually runs together:
each \`heapwise run\` inside reserves its estimate from the machine's memory pool and waits while it
does not fit (persistent tasks, e.g. dev servers, are not held back: they divide the memory by N).
  --memory <size>   lower the memory limit for this build (also $HEAPWISE_MEMORY); a size above
                    the machine's is refused (exit 2)
Tasks get HEAPWISE_CONCURRENCY=N, TURBO_TELEMETRY_DISABLED=1, and the ledger and run id, so that
\`heapwise report\` can draw the run afterwards; the report's path is printed at the end. turbo
itself is found on PATH (npm scripts and npx put it there).
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
    const { tasks, rest, userConcurrency, memory: memoryOption } = parsed;
    if (tasks.length === 0) throw new UsageError('turbo: missing <task> (e.g. heapwise turbo build)');
    const configFile = locateConfig(context, undefined);
    const config = loadConfig(context, undefined);
    const memory = machineMemoryLimit(context, memoryOption);
    const budget = computeBudget(memory.bytes, config.headroom, 1);
    const cpus = availableCpus(context);
    const cap = userConcurrency === undefined ? cpuConcurrencyCap(cpus) : parseTurboConcurrency(userConcurrency, cpus);
    const turboJson = findTurboConfig(dirname(configFile));
    let chosen = cap;
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
        `heapwise: ${persistentCount} persistent task(s) run at once: turbo needs --concurrency ${chosen}; ` +
          'heaps are fitted to that share',
      );
    }
    const capReason =
      userConcurrency === undefined
        ? `cap min(10, max(2, ${cpus} CPUs)) = ${cap}`
        : `your --concurrency ${userConcurrency}`;
    const memorySource = memory.source === 'option' ? memory.detail : memory.source;
    context.err(
      `heapwise: turbo --concurrency ${chosen} (${capReason}); memory decides what runs together: ` +
        `${formatBytes(budget.usableBytes)} pool (${formatBytes(memory.bytes)} ${memorySource} ` +
        `× ${config.headroom} headroom)`,
    );

    const ledgerFile = ledgerFileFor({
      env: context.env,
      cwd: context.cwd,
      configFile,
      configLedger: config.ledger,
    });
    const cacheDir = dirname(ledgerFile);
    const runId = newRunId();
    const records = runFile(cacheDir, runId);
    pruneRunFiles(cacheDir, MAX_RUN_FILES - 1);
    appendRunLine(records, {
      type: 'start',
      runId,
      startMs: Date.now(),
      poolBytes: budget.usableBytes,
      concurrency: chosen,
      tasks,
    });
    const env: NodeJS.ProcessEnv = {
      ...context.env,
      TURBO_TELEMETRY_DISABLED: '1',
      [CONCURRENCY_ENV]: String(chosen),
      [LEDGER_ENV]: ledgerFile,
      [RUN_ID_ENV]: runId,
      [PERSISTENT_ENV]: persistent.join(','),
    };
    // The tasks plan with the same lowered limit: passed on as given (`2g` reads better in notes).
    if (memoryOption !== undefined) env[MEMORY_ENV] = memoryOption;
    const exitCode = await runChild('turbo', ['run', ...tasks, '--concurrency', String(chosen), ...rest], {
      env,
      cwd: context.cwd,
    });
    appendRunLine(records, { type: 'end', endMs: Date.now(), exitCode });
    try {
      const { writeReport } = await import('./report.js');
      const written = writeReport(cacheDir, records);
      if (written !== undefined)
        context.err(`heapwise: report ${displayPath(written.svgFile, context.cwd)} (the table: heapwise report)`);
    } catch (error) {
      context.err(`heapwise: no report: ${(error as Error).message}`);
    }
    return exitCode;
  },
};
