import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { chooseConcurrency, computeBudget, cpuConcurrencyCap } from '../budget.js';
import {
  formatProblem,
  HEAP_PERCENTAGE_FLAG,
  parseNodeOptions,
  SETTINGS_SECTION,
  type NodeOptionsConfig,
} from '../node-options-file.js';
import { largestRequestedHeapMb, resolveTask } from '../resolve.js';
import { endOfLife, matchesNvmrc, supportsHeapPercentage } from '../runtime.js';
import { formatBytes } from '../size.js';
import { checkExtendsPresets, PRESET_PACKAGE } from '../tsconfig-check.js';
import { findFileUp } from '../find-up.js';
import { tasksWithDependencies } from '../turbo-graph.js';
import { findTurboConfig, findWorkspaceRoot, listWorkspaces, SERVICE_DIRS } from '../workspace.js';
import { serviceCopies } from './sync.js';
import {
  CONFIG_OPTION,
  PLANNING_OPTIONS,
  UsageError,
  displayPath,
  locateConfig,
  memoryLimit,
  parseOptions,
  parsePositiveInteger,
  type Command,
} from './common.js';

export type CheckStatus = 'ok' | 'info' | 'warn' | 'problem';

export interface Check {
  check: string;
  status: CheckStatus;
  message: string;
}

export interface TaskPlan {
  task: string;
  requestedHeapMb: number | null;
  /** Tasks at once under the plan: --concurrency, else what `heapwise turbo <task>` would choose. */
  concurrency: number;
  perTaskMb: number;
  heapMb: number | null;
  fits: boolean;
  heapPercentage: number | null;
}

function nvmrcFor(startDir: string): { file: string; version: string } | undefined {
  const file = findFileUp(startDir, ['.nvmrc']);
  return file === undefined ? undefined : { file, version: readFileSync(file, 'utf8').trim() };
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: "check Node, the memory limit, each task's budget, the flags, tsconfig presets and service copies",
  help: `Usage: heapwise doctor [--json] [--memory <size>] [--concurrency <n>] [--config <file>]

Checks, and prints the plan:
  - the running Node against .nvmrc, and whether it is past its end of life (warnings)
  - the memory limit and where it comes from (cgroup v2, cgroup v1, physical memory, --memory)
  - each [task]'s requested heap against its share of the budget at the planned concurrency:
    --concurrency <n>, else what \`heapwise turbo <task>\` would choose; a heap that would be
    lowered is a problem
  - every invalid line of .node-options (flags this Node's NODE_OPTIONS refuses, bad sizes, …)
  - workspaces whose tsconfig.json does not extend ${PRESET_PACKAGE} (extends chains followed)
  - services (${SERVICE_DIRS.map((dir) => `${dir}/*`).join(', ')}) whose .node-options copy is missing or differs (fix: heapwise sync)
  --json    one JSON object instead of text
Exit 0 when there is no problem (warnings allowed), 1 otherwise, 2 on a usage error.`,
  async main(args, context) {
    const { values, positionals } = parseOptions(args, {
      ...CONFIG_OPTION,
      ...PLANNING_OPTIONS,
      json: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`doctor: unexpected argument '${positionals[0]}'`);
    const checks: Check[] = [];
    const add = (check: string, status: CheckStatus, message: string): void => {
      checks.push({ check, status, message });
    };

    const configFile = locateConfig(context, values.config);
    const configDisplay = displayPath(configFile, context.cwd);
    const plannedConcurrency =
      typeof values.concurrency === 'string' ? parsePositiveInteger(values.concurrency, '--concurrency') : undefined;
    const memory = memoryLimit(context, values.memory);

    // Node
    const nvmrc = nvmrcFor(dirname(configFile));
    if (nvmrc) {
      const matches = matchesNvmrc(process.version, nvmrc.version);
      if (matches === undefined)
        add('node', 'info', `Node ${process.version}; .nvmrc says '${nvmrc.version}' (not compared)`);
      else if (matches) add('node', 'ok', `Node ${process.version} matches .nvmrc (${nvmrc.version})`);
      else
        add(
          'node',
          'warn',
          `Node ${process.version} differs from .nvmrc (${nvmrc.version}) in ${displayPath(nvmrc.file, context.cwd)}`,
        );
    } else {
      add('node', 'info', `Node ${process.version}; no .nvmrc found`);
    }
    const eol = endOfLife();
    if (eol.past)
      add('node-eol', 'warn', `Node ${eol.major} reached end of life on ${eol.date}: move to Node 22 or 24`);
    else if (eol.date) add('node-eol', 'ok', `Node ${eol.major} is supported until ${eol.date}`);
    const percentage = supportsHeapPercentage();
    add(
      'percentage',
      'info',
      percentage
        ? `this Node accepts ${HEAP_PERCENTAGE_FLAG} (heapwise print <task> --percentage)`
        : `this Node does not accept ${HEAP_PERCENTAGE_FLAG} (Node 22.21+, 24.6+): heaps are absolute`,
    );

    // Flags
    let text = '';
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${configDisplay}: ${(error as Error).message}`);
    }
    const { config: parsed, problems } = parseNodeOptions(text, { file: configDisplay });
    const config: NodeOptionsConfig = parsed;
    for (const problem of problems) add('flags', 'problem', formatProblem(problem));
    if (problems.length === 0) {
      add(
        'flags',
        'ok',
        `${configDisplay}: ${config.sections.size} task section(s), every flag accepted by Node ${process.version}`,
      );
    }

    // Memory and budget
    const budgetAll = computeBudget(memory.bytes, config.headroom, 1);
    add(
      'memory',
      'ok',
      `memory limit ${formatBytes(memory.bytes)} (${memory.source}: ${memory.detail}); ` +
        `× ${config.headroom} headroom${config.headroom === 0.75 ? '' : ` (from [${SETTINGS_SECTION}])`} = ${formatBytes(budgetAll.usableBytes)} usable`,
    );
    const cpus = availableParallelism();
    const cap = plannedConcurrency ?? cpuConcurrencyCap(cpus);
    const turboJson = findTurboConfig(dirname(configFile));
    const plans: TaskPlan[] = [];
    for (const task of config.sections.keys()) {
      const concurrency =
        plannedConcurrency ??
        chooseConcurrency(
          budgetAll.usableBytes,
          largestRequestedHeapMb(config, tasksWithDependencies([task], turboJson), memory),
          cap,
        );
      const resolution = resolveTask(config, task, { memory, concurrency });
      const fits = !resolution.lowered;
      plans.push({
        task,
        requestedHeapMb: resolution.requestedHeapMb,
        concurrency,
        perTaskMb: resolution.perTaskMb,
        heapMb: resolution.heapMb,
        fits,
        heapPercentage:
          resolution.heapMb === null ? null : Math.floor(((resolution.heapMb * 1048576) / memory.bytes) * 10000) / 100,
      });
      const plan = plans[plans.length - 1] as TaskPlan;
      const asPercentage =
        percentage && plan.heapPercentage !== null
          ? ` (as a percentage: ${HEAP_PERCENTAGE_FLAG}=${plan.heapPercentage})`
          : '';
      const at = `${concurrency} at once → ${resolution.perTaskMb} MB each`;
      if (resolution.requestedHeapMb === null)
        add('budget', 'ok', `[${task}] requests no heap; ${at}; GOMEMLIMIT=${resolution.goMemLimit}`);
      else if (fits)
        add('budget', 'ok', `[${task}] ${resolution.requestedHeapMb} MB requested; ${at}: fits${asPercentage}`);
      else {
        add(
          'budget',
          'problem',
          `[${task}] ${resolution.requestedHeapMb} MB requested; ${at}: would be lowered to ${resolution.heapMb} MB ` +
            `(run fewer at once: --concurrency ${Math.max(1, Math.floor(budgetAll.usableBytes / 1048576 / resolution.requestedHeapMb))}, or give it more memory)`,
        );
      }
    }
    if (plannedConcurrency === undefined) {
      add(
        'concurrency',
        'info',
        `concurrency as heapwise turbo chooses it: at most min(10, max(2, ${cpus} CPUs)) = ${cap}, fewer when the heaps do not fit`,
      );
    }

    // Workspaces
    const root = findWorkspaceRoot(dirname(configFile));
    if (!root) {
      add(
        'workspaces',
        'info',
        `no workspace (package.json "workspaces" or pnpm-workspace.yaml) above ${configDisplay}: tsconfig and service checks skipped`,
      );
    } else {
      const workspaces = listWorkspaces(root);
      let checked = 0;
      const skipped: string[] = [];
      for (const workspace of workspaces) {
        const tsconfig = join(workspace.dir, 'tsconfig.json');
        if (!existsSync(tsconfig)) {
          skipped.push(workspace.path);
          continue;
        }
        checked += 1;
        const result = checkExtendsPresets(tsconfig);
        if (!result.ok) add('tsconfig', 'problem', `${workspace.path}/tsconfig.json ${result.reason}`);
      }
      if (!checks.some((check) => check.check === 'tsconfig')) {
        add(
          'tsconfig',
          'ok',
          `${checked} workspace tsconfig.json file(s) extend ${PRESET_PACKAGE}` +
            (skipped.length > 0 ? ` (no tsconfig.json: ${skipped.join(', ')})` : ''),
        );
      }
      const { copies } = serviceCopies(root);
      for (const copy of copies) {
        if (copy.state === 'same') add('services', 'ok', `${copy.path} matches the root .node-options`);
        else
          add(
            'services',
            'problem',
            `${copy.path} ${copy.state === 'missing' ? 'is missing' : 'differs from the root .node-options'} (run heapwise sync)`,
          );
      }
    }

    const problemCount = checks.filter((check) => check.status === 'problem').length;
    const warningCount = checks.filter((check) => check.status === 'warn').length;
    if (values.json === true) {
      context.out(
        JSON.stringify(
          {
            ok: problemCount === 0,
            problems: problemCount,
            warnings: warningCount,
            config: configDisplay,
            node: {
              version: process.version,
              nvmrc: nvmrc?.version ?? null,
              endOfLife: eol.date ?? null,
              pastEndOfLife: eol.past,
              heapPercentageFlag: percentage,
            },
            memory: {
              limitBytes: memory.bytes,
              source: memory.source,
              detail: memory.detail,
              headroom: config.headroom,
              usableBytes: budgetAll.usableBytes,
            },
            cpus,
            concurrencyCap: cap,
            tasks: plans,
            checks,
          },
          null,
          2,
        ),
      );
    } else {
      context.out(`heapwise doctor: ${configDisplay}`);
      for (const check of checks) context.out(`  ${check.status.padEnd(7)} ${check.message}`);
      context.out(`${problemCount} problem(s), ${warningCount} warning(s)`);
    }
    return problemCount === 0 ? 0 : 1;
  },
};
