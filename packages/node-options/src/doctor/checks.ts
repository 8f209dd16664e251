// `heapwise doctor`'s checks: each is one function from the facts doctor gathered to its findings.
// A new check is a function here and one entry in DOCTOR_CHECKS; `commands/doctor.ts` only gathers the
// facts, runs the list and prints.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { heapsThatFit, type Budget } from '../budget.js';
import type { MemoryLimit } from '../memory.js';
import {
  DEFAULT_HEADROOM,
  formatProblem,
  HEAP_PERCENTAGE_FLAG,
  packageSectionName,
  SETTINGS_SECTION,
  splitSectionName,
  type NodeOptionsConfig,
  type Problem,
} from '../node-options-file.js';
import type { EndOfLife } from '../runtime.js';
import { matchesNvmrc } from '../runtime.js';
import { formatBytes } from '../size.js';
import { checkExtendsPresets, PRESET_PACKAGE } from '../tsconfig-check.js';
import type { WorkspacePackage } from '../workspace.js';
import { checkCrossEnv, checkTsconfigMeaning, checkTurboScripts } from './adoption-checks.js';

export type FindingStatus = 'ok' | 'info' | 'warn' | 'problem';

export interface Finding {
  /** Which check (`node`, `flags`, `budget`, …): the `check` field of `doctor --json`. */
  check: string;
  status: FindingStatus;
  message: string;
}

export interface TaskPlan {
  task: string;
  /** The package of a `[package#task]` section; null for `[task]`. */
  package: string | null;
  requestedHeapMb: number | null;
  /**
   * The section the requested heap is written in (`package#task` or `task`); null for the common
   * lines, or when no heap is requested. A `[package#task]` section without a heap takes `[task]`'s.
   */
  heapSection: string | null;
  /** Tasks at once under the plan: --concurrency, else what `heapwise turbo <task>` would choose. */
  concurrency: number;
  perTaskMb: number;
  heapMb: number | null;
  fits: boolean;
  heapPercentage: number | null;
  goMemLimit: string;
}

/** A service's copy of the root `.node-options`. */
export interface ServiceCopy {
  /** Relative to the workspace root. */
  path: string;
  state: 'same' | 'differs' | 'missing';
}

/** Everything the checks look at, gathered once by the command (all paths as the user reads them). */
export interface DoctorFacts {
  configDisplay: string;
  config: NodeOptionsConfig;
  /** Every problem of `.node-options` (the checks run on what could be read). */
  problems: readonly Problem[];
  node: {
    version: string;
    nvmrc: { display: string; version: string } | undefined;
    endOfLife: EndOfLife;
    acceptsHeapPercentage: boolean;
  };
  memory: MemoryLimit;
  /** The budget of the whole machine: limit × headroom. */
  budget: Budget;
  cpus: number;
  /** --concurrency, when given. */
  plannedConcurrency: number | undefined;
  /** The CPU cap heapwise turbo would use, or --concurrency. */
  concurrencyCap: number;
  plans: readonly TaskPlan[];
  /** The workspace, when `.node-options` is in one. */
  workspace:
    | {
        root: string;
        packages: readonly WorkspacePackage[];
        /** Each workspace package's name and its script names. */
        packageScripts: ReadonlyMap<string, readonly string[]>;
        serviceCopies: readonly ServiceCopy[];
      }
    | undefined;
}

export type DoctorCheck = (facts: DoctorFacts) => Finding[];

function finding(check: string, status: FindingStatus, message: string): Finding {
  return { check, status, message };
}

/** The running Node against `.nvmrc`, its end of life, and whether it takes the percentage flag. */
export function checkNode({ node }: DoctorFacts): Finding[] {
  const findings: Finding[] = [];
  const { version, nvmrc, endOfLife: eol } = node;
  if (!nvmrc) findings.push(finding('node', 'info', `Node ${version}; no .nvmrc found`));
  else {
    const matches = matchesNvmrc(version, nvmrc.version);
    if (matches === undefined)
      findings.push(finding('node', 'info', `Node ${version}; .nvmrc says '${nvmrc.version}' (not compared)`));
    else if (matches) findings.push(finding('node', 'ok', `Node ${version} matches .nvmrc (${nvmrc.version})`));
    else
      findings.push(
        finding('node', 'warn', `Node ${version} differs from .nvmrc (${nvmrc.version}) in ${nvmrc.display}`),
      );
  }
  if (eol.past)
    findings.push(
      finding('node-eol', 'warn', `Node ${eol.major} reached end of life on ${eol.date}: move to Node 22 or 24`),
    );
  else if (eol.date) findings.push(finding('node-eol', 'ok', `Node ${eol.major} is supported until ${eol.date}`));
  findings.push(
    finding(
      'percentage',
      'info',
      node.acceptsHeapPercentage
        ? `this Node accepts ${HEAP_PERCENTAGE_FLAG} (heapwise print <task> --percentage)`
        : `this Node does not accept ${HEAP_PERCENTAGE_FLAG} (Node 22.21+, 24.6+): heaps are absolute`,
    ),
  );
  return findings;
}

/** Every line of `.node-options` that this Node or the format refuses. */
export function checkFlags({ problems, configDisplay, config, node }: DoctorFacts): Finding[] {
  if (problems.length > 0) return problems.map((problem) => finding('flags', 'problem', formatProblem(problem)));
  return [
    finding(
      'flags',
      'ok',
      `${configDisplay}: ${config.sections.size} task section(s), every flag accepted by Node ${node.version}`,
    ),
  ];
}

/** The memory limit, where it comes from, and what the headroom leaves usable. */
export function checkMemory({ memory, config, budget }: DoctorFacts): Finding[] {
  const headroomSource = config.headroom === DEFAULT_HEADROOM ? '' : ` (from [${SETTINGS_SECTION}])`;
  return [
    finding(
      'memory',
      'ok',
      `memory limit ${formatBytes(memory.bytes)} (${memory.source}: ${memory.detail}); ` +
        `× ${config.headroom} headroom${headroomSource} = ${formatBytes(budget.usableBytes)} usable`,
    ),
  ];
}

/**
 * Each task's requested heap against its share at the planned concurrency; a heap that would be
 * lowered is a problem.
 */
export function checkBudget({ plans, budget, node }: DoctorFacts): Finding[] {
  return plans.map((plan) => {
    const name = plan.package === null ? plan.task : packageSectionName(plan.package, plan.task);
    const at = `${plan.concurrency} at once → ${plan.perTaskMb} MB each`;
    if (plan.requestedHeapMb === null)
      return finding('budget', 'ok', `[${name}] requests no heap; ${at}; GOMEMLIMIT=${plan.goMemLimit}`);
    // Say where the number is written when another section holds it.
    const from =
      plan.heapSection === name
        ? ''
        : ` (from ${plan.heapSection === null ? 'the common lines' : `[${plan.heapSection}]`})`;
    const section = `[${name}]${from}`;
    if (plan.fits) {
      const asPercentage =
        !node.acceptsHeapPercentage || plan.heapPercentage === null
          ? ''
          : ` (as a percentage: ${HEAP_PERCENTAGE_FLAG}=${plan.heapPercentage})`;
      return finding('budget', 'ok', `${section} ${plan.requestedHeapMb} MB requested; ${at}: fits${asPercentage}`);
    }
    const fewer = Math.max(1, heapsThatFit(budget.usableBytes, plan.requestedHeapMb));
    return finding(
      'budget',
      'problem',
      `${section} ${plan.requestedHeapMb} MB requested; ${at}: would be lowered to ${plan.heapMb} MB ` +
        `(run fewer at once: --concurrency ${fewer}, or give it more memory)`,
    );
  });
}

/**
 * `[package#task]` sections that apply to no task: `heapwise run` finds a package's section by the
 * package's name and the script it runs, so a misspelt name or a script the package lacks is never read.
 */
export function checkPackageSections({ config, configDisplay, workspace }: DoctorFacts): Finding[] {
  if (!workspace) return [];
  return [...config.sections.keys()].flatMap((name) => {
    const { packageName, task } = splitSectionName(name);
    if (packageName === undefined) return [];
    const scripts = workspace.packageScripts.get(packageName);
    const where = `${configDisplay}:${config.sections.get(name)?.line ?? 0}`;
    if (scripts === undefined)
      return [finding('sections', 'warn', `${where}: [${name}]: no workspace package is named ${packageName}`)];
    if (!scripts.includes(task))
      return [finding('sections', 'warn', `${where}: [${name}]: ${packageName} has no "${task}" script`)];
    return [];
  });
}

/** How the concurrency was chosen, when --concurrency did not set it. */
export function checkConcurrency({ plannedConcurrency, cpus, concurrencyCap }: DoctorFacts): Finding[] {
  if (plannedConcurrency !== undefined) return [];
  return [
    finding(
      'concurrency',
      'info',
      `concurrency as heapwise turbo chooses it: at most min(10, max(2, ${cpus} CPUs)) = ${concurrencyCap}, ` +
        'fewer when the heaps do not fit',
    ),
  ];
}

/** Workspaces whose tsconfig.json does not extend the presets (extends chains followed). */
export function checkTsconfigPresets({ workspace, configDisplay }: DoctorFacts): Finding[] {
  if (!workspace) {
    return [
      finding(
        'workspaces',
        'info',
        `no workspace (package.json "workspaces" or pnpm-workspace.yaml) above ${configDisplay}: ` +
          'tsconfig and service checks skipped',
      ),
    ];
  }
  const findings: Finding[] = [];
  let checked = 0;
  const skipped: string[] = [];
  for (const { path, dir } of workspace.packages) {
    const tsconfig = join(dir, 'tsconfig.json');
    if (!existsSync(tsconfig)) {
      skipped.push(path);
      continue;
    }
    checked += 1;
    const result = checkExtendsPresets(tsconfig);
    if (!result.ok) findings.push(finding('tsconfig', 'problem', `${path}/tsconfig.json ${result.reason}`));
  }
  if (findings.length > 0) return findings;
  const without = skipped.length > 0 ? ` (no tsconfig.json: ${skipped.join(', ')})` : '';
  return [finding('tsconfig', 'ok', `${checked} workspace tsconfig.json file(s) extend ${PRESET_PACKAGE}${without}`)];
}

/** Services whose copy of `.node-options` is missing or differs from the root's. */
export function checkServiceCopies({ workspace }: DoctorFacts): Finding[] {
  return (workspace?.serviceCopies ?? []).map((copy) =>
    copy.state === 'same'
      ? finding('services', 'ok', `${copy.path} matches the root .node-options`)
      : finding(
          'services',
          'problem',
          `${copy.path} ${copy.state === 'missing' ? 'is missing' : 'differs from the root .node-options'} ` +
            '(run heapwise sync)',
        ),
  );
}

/** Every check, in the order doctor prints them. */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  checkNode,
  checkFlags,
  checkMemory,
  checkBudget,
  checkPackageSections,
  checkConcurrency,
  checkTsconfigPresets,
  checkTsconfigMeaning,
  checkTurboScripts,
  checkCrossEnv,
  checkServiceCopies,
];

export function runChecks(facts: DoctorFacts, checks: readonly DoctorCheck[] = DOCTOR_CHECKS): Finding[] {
  return checks.flatMap((check) => check(facts));
}
