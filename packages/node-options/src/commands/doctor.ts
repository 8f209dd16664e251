// `heapwise doctor`: gathers the facts once (the config, the machine, the workspace), plans each task
// as `heapwise turbo` would run it, runs every check of doctor/checks.ts and prints their findings.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chooseConcurrency, computeBudget, cpuConcurrencyCap, type Budget } from '../budget.js';
import { DOCTOR_CHECKS, runChecks, type DoctorFacts, type TaskPlan } from '../doctor/checks.js';
import { findFileUp } from '../find-up.js';
import type { MemoryLimit } from '../memory.js';
import { parseNodeOptions, splitSectionName, type NodeOptionsConfig } from '../node-options-file.js';
import { largestRequestedHeapMb, mbToPercentage, resolveTask } from '../resolve.js';
import { endOfLife, supportsHeapPercentage } from '../runtime.js';
import { PRESET_PACKAGE } from '../tsconfig-check.js';
import { tasksWithDependencies } from '../turbo-graph.js';
import { findTurboConfig, findWorkspaceRoot, listWorkspaces, readJsonObject, SERVICE_DIRS } from '../workspace.js';
import { serviceCopies } from './sync.js';
import {
  CONFIG_OPTION,
  PLANNING_OPTIONS,
  UsageError,
  availableCpus,
  displayPath,
  locateConfig,
  memoryLimit,
  parseOptions,
  parsePositiveInteger,
  type Command,
  type CommandContext,
} from './common.js';

export type { Finding, FindingStatus, TaskPlan } from '../doctor/checks.js';

/** Each task of the file as `heapwise turbo <task>` would run it (or at --concurrency). */
function planTasks(
  config: NodeOptionsConfig,
  memory: MemoryLimit,
  budget: Budget,
  cap: number,
  plannedConcurrency: number | undefined,
  turboConfig: string | undefined,
): TaskPlan[] {
  return [...config.sections.keys()].map((section) => {
    // A [package#task] section plans that package's task: [task] and the section together, as run does.
    const { packageName, task } = splitSectionName(section);
    const concurrency =
      plannedConcurrency ??
      chooseConcurrency(
        budget.usableBytes,
        largestRequestedHeapMb(config, tasksWithDependencies([task], turboConfig), memory),
        cap,
      );
    const resolution = resolveTask(config, task, { memory, concurrency, packageName });
    return {
      task,
      package: packageName ?? null,
      requestedHeapMb: resolution.requestedHeapMb,
      heapSection: resolution.heapSection,
      concurrency,
      perTaskMb: resolution.perTaskMb,
      heapMb: resolution.heapMb,
      fits: !resolution.lowered,
      heapPercentage: resolution.heapMb === null ? null : mbToPercentage(resolution.heapMb, memory.bytes),
      goMemLimit: resolution.goMemLimit,
    };
  });
}

/** Each package's name and script names (a package.json that cannot be read is left out). */
function packageScripts(dirs: readonly string[]): Map<string, string[]> {
  const scripts = new Map<string, string[]>();
  for (const dir of dirs) {
    try {
      const manifest = readJsonObject(join(dir, 'package.json'));
      if (typeof manifest.name !== 'string') continue;
      const declared = manifest.scripts;
      const names = typeof declared === 'object' && declared !== null ? Object.keys(declared) : [];
      scripts.set(manifest.name, names);
    } catch {
      // npm reports a broken package.json; the section check only loses that package's name.
    }
  }
  return scripts;
}

/** Reads what the checks look at: the only I/O of doctor apart from the tsconfig files the checks follow. */
function gatherFacts(
  context: CommandContext,
  options: {
    config: string | boolean | undefined;
    memory: string | boolean | undefined;
    concurrency: string | boolean | undefined;
  },
): DoctorFacts {
  const configFile = locateConfig(context, options.config);
  const configDisplay = displayPath(configFile, context.cwd);
  const plannedConcurrency =
    typeof options.concurrency === 'string' ? parsePositiveInteger(options.concurrency, '--concurrency') : undefined;
  const memory = memoryLimit(context, options.memory);
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${configDisplay}: ${(error as Error).message}`);
  }
  const { config, problems } = parseNodeOptions(text, { file: configDisplay });
  const budget = computeBudget(memory.bytes, config.headroom, 1);
  const cpus = availableCpus(context);
  const concurrencyCap = plannedConcurrency ?? cpuConcurrencyCap(cpus);
  const configDir = dirname(configFile);
  const nvmrcFile = findFileUp(configDir, ['.nvmrc']);
  const root = findWorkspaceRoot(configDir);
  const packages = root === undefined ? [] : listWorkspaces(root);
  return {
    configDisplay,
    config,
    problems,
    node: {
      version: process.version,
      nvmrc:
        nvmrcFile === undefined
          ? undefined
          : { display: displayPath(nvmrcFile, context.cwd), version: readFileSync(nvmrcFile, 'utf8').trim() },
      endOfLife: endOfLife(),
      acceptsHeapPercentage: supportsHeapPercentage(),
    },
    memory,
    budget,
    cpus,
    plannedConcurrency,
    concurrencyCap,
    plans: planTasks(config, memory, budget, concurrencyCap, plannedConcurrency, findTurboConfig(configDir)),
    workspace:
      root === undefined
        ? undefined
        : {
            root,
            packages,
            // The root's own scripts run under its package name too.
            packageScripts: packageScripts([root, ...packages.map((workspace) => workspace.dir)]),
            serviceCopies: serviceCopies(root).copies,
          },
  };
}

const SERVICE_GLOBS = SERVICE_DIRS.map((dir) => `${dir}/*`).join(', ');

export const doctorCommand: Command = {
  name: 'doctor',
  summary: "check Node, the memory limit, each task's budget, the flags, tsconfig presets and service copies",
  help: `Usage: heapwise doctor [--json] [--memory <size>] [--concurrency <n>] [--config <file>]

Checks, and prints the plan:
  - the running Node against .nvmrc, and whether it is past its end of life (warnings)
  - the memory limit and where it comes from (cgroup v2, cgroup v1, physical memory, --memory)
  - each [task]'s requested heap against its share of the budget at the planned concurrency:
    --concurrency <n>, else what \`heapwise turbo <task>\` would choose; a heap that would be
    lowered is a problem. A [package#task] section is planned as run resolves that package's task.
  - every invalid line of .node-options (flags this Node's NODE_OPTIONS refuses, bad sizes, …)
  - [package#task] sections that apply to nothing: no workspace package of that name, or no such
    script in it (warnings)
  - workspaces whose tsconfig.json does not extend ${PRESET_PACKAGE} (extends chains followed)
  - services (${SERVICE_GLOBS}) whose .node-options copy is missing or differs (fix: heapwise sync)
  --json    one JSON object instead of text
Exit 0 when there is no problem (warnings allowed), 1 otherwise, 2 on a usage error.`,
  // eslint-disable-next-line @typescript-eslint/require-await -- Command.main returns a promise; nothing to await
  async main(args, context) {
    const { values, positionals } = parseOptions(args, {
      ...CONFIG_OPTION,
      ...PLANNING_OPTIONS,
      json: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`doctor: unexpected argument '${positionals[0]}'`);
    const facts = gatherFacts(context, {
      config: values.config,
      memory: values.memory,
      concurrency: values.concurrency,
    });
    const checks = runChecks(facts, DOCTOR_CHECKS);
    const problemCount = checks.filter((check) => check.status === 'problem').length;
    const warningCount = checks.filter((check) => check.status === 'warn').length;
    if (values.json === true) {
      context.out(
        JSON.stringify(
          {
            ok: problemCount === 0,
            problems: problemCount,
            warnings: warningCount,
            config: facts.configDisplay,
            node: {
              version: facts.node.version,
              nvmrc: facts.node.nvmrc?.version ?? null,
              endOfLife: facts.node.endOfLife.date ?? null,
              pastEndOfLife: facts.node.endOfLife.past,
              heapPercentageFlag: facts.node.acceptsHeapPercentage,
            },
            memory: {
              limitBytes: facts.memory.bytes,
              source: facts.memory.source,
              detail: facts.memory.detail,
              headroom: facts.config.headroom,
              usableBytes: facts.budget.usableBytes,
            },
            cpus: facts.cpus,
            concurrencyCap: facts.concurrencyCap,
            tasks: facts.plans,
            checks,
          },
          null,
          2,
        ),
      );
    } else {
      context.out(`heapwise doctor: ${facts.configDisplay}`);
      for (const check of checks) context.out(`  ${check.status.padEnd(7)} ${check.message}`);
      context.out(`${problemCount} problem(s), ${warningCount} warning(s)`);
    }
    return problemCount === 0 ? 0 : 1;
  },
};
