import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_OPTIONS_FILE_NAME } from '../node-options-file.js';
import { findWorkspaceRoot, listServices, SERVICE_DIRS } from '../workspace.js';
import { UsageError, parseOptions, type Command, type CommandContext } from './common.js';

export interface CopyState {
  /** Relative to the workspace root. */
  path: string;
  file: string;
  state: 'same' | 'differs' | 'missing';
}

/** Each service's copy of the root `.node-options`, compared byte for byte. */
export function serviceCopies(root: string): { source: string; copies: CopyState[] } {
  const source = join(root, NODE_OPTIONS_FILE_NAME);
  if (!existsSync(source)) throw new UsageError(`no ${NODE_OPTIONS_FILE_NAME} at the workspace root ${root}`);
  const wanted = readFileSync(source, 'utf8');
  const copies = listServices(root).map((service): CopyState => {
    const file = join(service.dir, NODE_OPTIONS_FILE_NAME);
    const path = `${service.path}/${NODE_OPTIONS_FILE_NAME}`;
    if (!existsSync(file)) return { path, file, state: 'missing' };
    return { path, file, state: readFileSync(file, 'utf8') === wanted ? 'same' : 'differs' };
  });
  return { source, copies };
}

export function workspaceRoot(context: CommandContext): string {
  const root = findWorkspaceRoot(context.cwd);
  if (!root)
    throw new UsageError(`no workspace (package.json "workspaces" or pnpm-workspace.yaml) in ${context.cwd} or above`);
  return root;
}

const SERVICE_PARENTS = SERVICE_DIRS.map((dir) => `${dir}/`).join(' or ');

export const syncCommand: Command = {
  name: 'sync',
  summary: 'copy the root .node-options into every service workspace (--check: fail when a copy differs)',
  help: `Usage: heapwise sync [--check]

Copies the workspace root's .node-options into every service workspace (under ${SERVICE_PARENTS}),
so that a service's directory (and its Docker build context) carries the same flags.
  --check   change nothing; exit 1 and name each copy that differs or is missing`,
  // eslint-disable-next-line @typescript-eslint/require-await -- Command.main returns a promise; nothing to await
  async main(args, context) {
    const { values, positionals } = parseOptions(args, { check: { type: 'boolean' } });
    if (positionals.length > 0) throw new UsageError(`sync: unexpected argument '${positionals[0]}'`);
    const root = workspaceRoot(context);
    const { source, copies } = serviceCopies(root);
    if (copies.length === 0) {
      context.out(`heapwise sync: no service workspace (${SERVICE_DIRS.map((dir) => `${dir}/*`).join(', ')})`);
      return 0;
    }
    const stale = copies.filter((copy) => copy.state !== 'same');
    if (values.check === true) {
      for (const copy of stale)
        context.err(`${copy.path}: ${copy.state === 'missing' ? 'missing' : 'differs from'} ${NODE_OPTIONS_FILE_NAME}`);
      if (stale.length > 0) {
        context.err(
          `heapwise sync --check: ${stale.length} of ${copies.length} cop${copies.length === 1 ? 'y' : 'ies'} ` +
            'out of date (run heapwise sync)',
        );
        return 1;
      }
      context.out(`heapwise sync --check: ${copies.length} cop${copies.length === 1 ? 'y' : 'ies'} up to date`);
      return 0;
    }
    const text = readFileSync(source, 'utf8');
    for (const copy of stale) {
      writeFileSync(copy.file, text);
      context.out(`${copy.state === 'missing' ? 'created' : 'updated'} ${copy.path}`);
    }
    context.out(`heapwise sync: ${copies.length - stale.length} up to date, ${stale.length} written`);
    return 0;
  },
};
