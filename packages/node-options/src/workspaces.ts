// The monorepo around a directory: its root package.json and the workspace folders it lists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export interface Workspace {
  /** Path relative to the root, with `/` separators (`services/example-api`). */
  path: string;
  dir: string;
}

function readWorkspacePatterns(packageJson: string): string[] | undefined {
  try {
    const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as { workspaces?: unknown };
    const field = manifest.workspaces;
    const patterns = Array.isArray(field) ? field : (field as { packages?: unknown } | undefined)?.packages;
    return Array.isArray(patterns) ? patterns.filter((entry): entry is string => typeof entry === 'string') : undefined;
  } catch {
    return undefined;
  }
}

/** The nearest directory at or above `startDir` whose package.json declares workspaces. */
export function findWorkspaceRoot(startDir: string): string | undefined {
  for (let dir = startDir; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readWorkspacePatterns(manifest)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Workspace folders (with a package.json) matching the root's patterns: literal paths and `dir/*`. */
export function listWorkspaces(root: string): Workspace[] {
  const found = new Map<string, Workspace>();
  for (const pattern of readWorkspacePatterns(join(root, 'package.json')) ?? []) {
    const clean = pattern.replace(/^\.\//, '').replace(/\/+$/, '');
    const dirs = clean.endsWith('/*')
      ? (() => {
          const parent = join(root, clean.slice(0, -2));
          try {
            return readdirSync(parent).map((name) => join(parent, name));
          } catch {
            return [];
          }
        })()
      : [join(root, clean)];
    for (const dir of dirs) {
      if (!existsSync(join(dir, 'package.json')) || !statSync(dir).isDirectory()) continue;
      const path = relative(root, dir).split('\\').join('/');
      found.set(path, { path, dir });
    }
  }
  return [...found.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** Service workspaces: those under `services/`, each of which gets a copy of `.node-options`. */
export function listServices(root: string): Workspace[] {
  return listWorkspaces(root).filter((workspace) => workspace.path.startsWith('services/'));
}

/** How many workspaces define an npm script named `script` (how many turbo tasks it becomes). */
export function countWorkspacesWithScript(root: string, script: string): number {
  return listWorkspaces(root).filter((workspace) => {
    try {
      const manifest = JSON.parse(readFileSync(join(workspace.dir, 'package.json'), 'utf8')) as { scripts?: Record<string, unknown> };
      return typeof manifest.scripts?.[script] === 'string';
    } catch {
      return false;
    }
  }).length;
}
