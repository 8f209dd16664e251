// `heapwise init [--dry-run]`: set up heapwise in an existing turbo monorepo.
// Prints the diff of every change; writes nothing with --dry-run, and nothing
// at all when any file cannot be handled (the error names it).
import { resolve } from 'node:path';
import { applyInit, InitError, planInit, type InitPlan } from '../init/index.js';
import { parseOptions, UsageError, type Command } from './common.js';

function summary(plan: InitPlan, dryRun: boolean): string[] {
  const lines: string[] = [];
  const tasks = [...new Set(plan.foundSizes.map((found) => found.task))];
  for (const task of tasks) {
    const found = plan.foundSizes
      .filter((entry) => entry.task === task)
      .map((entry) => `${entry.sizeMb} in ${entry.file}`);
    lines.push(
      `[${task}] --max-old-space-size found ${found.join(', ')}: removed from the scripts; ` +
        '.node-options requests the largest',
    );
  }
  lines.push(...plan.optionChanges.map((line) => `tsconfig: ${line}`));
  lines.push(...plan.notes.map((note) => `note: ${note}`));
  if (plan.changes.length === 0) {
    lines.push('heapwise init: nothing to change; this workspace is already set up.');
    return lines;
  }
  const files = `${plan.changes.length} file${plan.changes.length === 1 ? '' : 's'}`;
  if (dryRun) {
    lines.push(`heapwise init: ${files} would change (dry run: nothing was written).`);
  } else {
    const install = plan.manager === 'pnpm' ? 'pnpm install' : 'npm install';
    lines.push(
      `heapwise init: ${files} changed.`,
      `next: run \`${install}\` for the new dev dependencies, then \`npx heapwise doctor\`.`,
    );
  }
  return lines;
}

export const initCommand: Command = {
  name: 'init',
  summary: 'set up heapwise in an existing npm or pnpm turbo monorepo; prints the diff',
  help: `Usage: heapwise init [--dry-run] [--root <dir>]

Run at the root of an npm (package.json "workspaces") or pnpm (pnpm-workspace.yaml) workspace that
uses turbo. It:
  - writes .node-options with the build, typecheck, test and dev profiles (or raises the sizes in
    an existing one);
  - moves every --max-old-space-size=N hard-coded in those scripts (node flag, cross-env or
    NODE_OPTIONS= prefix) into .node-options, keeping the largest per task;
  - wraps each package's build, typecheck, test and dev scripts with \`heapwise run <task> --\`,
    and turns the root's \`turbo run <task>\` into \`heapwise turbo <task>\`;
  - makes each package's tsconfig.json extend @heapwise/tsconfig/adopt.json first, which sets only
    editor memory options (disableReferencedProjectLoad, disableSolutionSearching): what compiles
    and where output goes stay exactly as they were; every effective option that changes is listed
    per tsconfig after the diff;
  - adds @heapwise/node-options and @heapwise/tsconfig to devDependencies;
  - lists NODE_OPTIONS, GOMEMLIMIT and HEAPWISE_* in turbo.json's globalPassThroughEnv, so that
    they reach the tasks in turbo's strict env mode without entering the cache key.
Prints a unified diff of every change. Nothing is written when any file cannot be handled.
Running it again changes nothing.
  --dry-run       print the diff, write nothing
  --root <dir>    the workspace root (default: the working directory)`,
  // eslint-disable-next-line @typescript-eslint/require-await -- Command.main returns a promise; nothing to await
  async main(args, context) {
    const { values, positionals } = parseOptions(args, { 'dry-run': { type: 'boolean' }, root: { type: 'string' } });
    if (positionals.length > 0) throw new UsageError(`init: unexpected argument '${positionals[0]}'`);
    const root = typeof values.root === 'string' ? resolve(context.cwd, values.root) : context.cwd;
    const dryRun = values['dry-run'] === true;
    let plan: InitPlan;
    try {
      plan = planInit(root);
      if (!dryRun) applyInit(plan);
    } catch (error) {
      if (error instanceof InitError) throw new UsageError(`init: ${error.message}`);
      throw error;
    }
    // The diff already ends with a newline; `out` adds one per call.
    if (plan.diff !== '') context.out(plan.diff.replace(/\n$/, ''));
    for (const line of summary(plan, dryRun)) context.out(line);
    return 0;
  },
};
