// `heapwise init [--dry-run]`: set up heapwise in an existing turbo monorepo.
// Prints the diff of every change; writes nothing with --dry-run or when any
// file cannot be handled (the error names it).
import { resolve } from 'node:path';
import { applyInit, InitError, planInit, type InitPlan } from '../init/index.js';

export const INIT_USAGE = 'usage: heapwise init [--dry-run] [--root <dir>]';

export interface InitIo {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

function summary(plan: InitPlan, dryRun: boolean): string {
  const lines: string[] = [];
  for (const found of plan.foundSizes) {
    lines.push(`moved --max-old-space-size=${found.sizeMb} from ${found.file} (${found.task}) into .node-options [${found.task}]`);
  }
  lines.push(...plan.notes.map((note) => `note: ${note}`));
  if (plan.changes.length === 0) {
    lines.push('heapwise init: nothing to change; this workspace is already set up.');
    return `${lines.join('\n')}\n`;
  }
  const files = `${plan.changes.length} file${plan.changes.length === 1 ? '' : 's'}`;
  if (dryRun) {
    lines.push(`heapwise init: ${files} would change (dry run: nothing was written).`);
  } else {
    const install = plan.manager === 'pnpm' ? 'pnpm install' : 'npm install';
    lines.push(`heapwise init: ${files} changed.`, `next: run \`${install}\` for the new dev dependencies, then \`npx heapwise doctor\`.`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the command; returns the exit code (0 done, 2 usage or a problem in the repository). */
export function runInit(args: readonly string[], io: InitIo): number {
  let dryRun = false;
  let root = io.cwd;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--dry-run') dryRun = true;
    else if (arg === '--root' && args[i + 1] !== undefined) root = resolve(io.cwd, args[++i] ?? '');
    else if (arg === '--help' || arg === '-h') {
      io.stdout(`${INIT_USAGE}\n`);
      return 0;
    } else {
      io.stderr(`heapwise init: unknown argument ${arg}\n${INIT_USAGE}\n`);
      return 2;
    }
  }
  try {
    const plan = planInit(root);
    io.stdout(plan.diff);
    if (!dryRun) applyInit(plan);
    io.stdout(summary(plan, dryRun));
    return 0;
  } catch (error) {
    if (error instanceof InitError) {
      io.stderr(`heapwise init: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
