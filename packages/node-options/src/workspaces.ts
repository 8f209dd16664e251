// The monorepo around a directory: its root and the workspace folders it lists (npm's
// `workspaces` or pnpm-workspace.yaml, expanded by the same code `heapwise init` uses).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expandPatterns, parsePnpmPackages } from './init/workspace.js';

export interface Workspace {
  /** Path relative to the root, with `/` separators (`services/example-api`). */
  path: string;
  dir: string;
}

/** The workspace globs declared at `root`, or undefined when `root` is not a workspace root. */
function readWorkspacePatterns(root: string): string[] | undefined {
  try {
    const pnpm = join(root, 'pnpm-workspace.yaml');
    if (existsSync(pnpm)) return parsePnpmPackages('pnpm-workspace.yaml', readFileSync(pnpm, 'utf8'));
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces?: unknown };
    const field = manifest.workspaces;
    const patterns = Array.isArray(field) ? field : (field as { packages?: unknown } | undefined)?.packages;
    return Array.isArray(patterns) ? patterns.filter((entry): entry is string => typeof entry === 'string') : undefined;
  } catch {
    return undefined;
  }
}

/** The nearest directory at or above `startDir` that declares workspaces. */
export function findWorkspaceRoot(startDir: string): string | undefined {
  for (let dir = startDir; ; dir = dirname(dir)) {
    if (readWorkspacePatterns(dir)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Workspace folders (with a package.json) matching the root's patterns, `!` exclusions applied. */
export function listWorkspaces(root: string): Workspace[] {
  return expandPatterns(root, readWorkspacePatterns(root) ?? []).map((path) => ({ path, dir: join(root, path) }));
}

/** Service workspaces: those under `services/`, each of which gets a copy of `.node-options`. */
export function listServices(root: string): Workspace[] {
  return listWorkspaces(root).filter((workspace) => workspace.path.startsWith('services/'));
}

/** How many workspaces define an npm script named `script` (how many turbo tasks it becomes). */
export function countWorkspacesWithScript(root: string, script: string): number {
  return listWorkspaces(root).filter((workspace) => {
    try {
      const manifest = JSON.parse(readFileSync(join(workspace.dir, 'package.json'), 'utf8')) as {
        scripts?: Record<string, unknown>;
      };
      return typeof manifest.scripts?.[script] === 'string';
    } catch {
      return false;
    }
  }).length;
}
