// Finds the workspace's packages: npm's `workspaces` in package.json or
// pnpm's `packages` in pnpm-workspace.yaml, expanded against the file system.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { InitError } from './errors.js';
import { parseObject } from './jsonc.js';

export interface Workspace {
  readonly root: string;
  readonly manager: 'npm' | 'pnpm';
  /** Where the package globs came from, relative to the root. */
  readonly source: 'package.json' | 'pnpm-workspace.yaml';
  /** Package directories relative to the root, with `/` separators, sorted. */
  readonly packageDirs: readonly string[];
  /** turbo.json (or turbo.jsonc), relative to the root. */
  readonly turboConfig: string;
}

/** Directories never searched for packages. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.turbo', 'dist']);
const TURBO_CONFIGS = ['turbo.json', 'turbo.jsonc'];

/**
 * The `packages:` list of a pnpm-workspace.yaml: block (`- 'apps/*'`) or flow
 * (`packages: [a, b]`) style. Hand-written because that one key is all init
 * needs, and a YAML library would be the CLI's largest dependency.
 */
export function parsePnpmPackages(relativePath: string, text: string): string[] {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => /^packages\s*:/.test(line));
  if (start < 0)
    throw new InitError(`${relativePath}: no "packages:" list; add the package globs and run heapwise init again.`);
  const unquote = (value: string) => value.trim().replace(/^(["'])(.*)\1$/, '$2');
  const inline = (lines[start] ?? '')
    .replace(/^packages\s*:/, '')
    .replace(/\s+#.*$/, '')
    .trim();
  if (inline.startsWith('[')) {
    return inline
      .replace(/^\[|\]$/g, '')
      .split(',')
      .map(unquote)
      .filter((value) => value !== '');
  }
  const patterns: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const item = /^\s+-\s+(.*?)\s*(?:#.*)?$/.exec(line) ?? /^-\s+(.*?)\s*(?:#.*)?$/.exec(line);
    if (!item?.[1]) break;
    patterns.push(unquote(item[1]));
  }
  return patterns;
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] ?? '';
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Every directory under `root` (relative, `/`-separated), minus the skipped ones and dot-directories. */
function listDirs(root: string, maxDepth: number, dir = '', depth = 1): string[] {
  const dirs: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (!entry.isDirectory() || SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('.')) continue;
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    dirs.push(path);
    if (depth < maxDepth) dirs.push(...listDirs(root, maxDepth, path, depth + 1));
  }
  return dirs;
}

/** npm/pnpm workspace globs (with `!` exclusions) → directories that hold a package.json. */
export function expandPatterns(root: string, patterns: readonly string[]): string[] {
  const normalize = (pattern: string) => pattern.replace(/^\.\//, '').replace(/\/+$/, '');
  const include = patterns.filter((p) => !p.startsWith('!')).map((p) => globToRegExp(normalize(p)));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => globToRegExp(normalize(p.slice(1))));
  const positive = patterns.filter((p) => !p.startsWith('!')).map(normalize);
  // Only `**` needs the whole tree; `packages/*` needs two levels.
  const maxDepth = positive.some((p) => p.includes('**'))
    ? Number.POSITIVE_INFINITY
    : Math.max(0, ...positive.map((p) => p.split('/').length));
  return listDirs(root, maxDepth)
    .filter((dir) => include.some((re) => re.test(dir)) && !exclude.some((re) => re.test(dir)))
    .filter((dir) => existsSync(join(root, dir, 'package.json')))
    .sort();
}

/** The nearest ancestor that looks like a workspace root, to point a lost user to it. */
function findWorkspaceAbove(dir: string): string | undefined {
  for (let current = dirname(dir); current !== dirname(current); current = dirname(current)) {
    if (existsSync(join(current, 'pnpm-workspace.yaml'))) return current;
    const file = join(current, 'package.json');
    if (!existsSync(file)) continue;
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as { workspaces?: unknown }).workspaces) return current;
    } catch {
      // Not ours to diagnose: we only look for a hint.
    }
  }
  return undefined;
}

export function readWorkspace(root: string): Workspace {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new InitError(`${root}: no such directory.`);
  const packageJsonPath = join(root, 'package.json');
  const pnpmPath = join(root, 'pnpm-workspace.yaml');
  const notRoot = (why: string) => {
    const above = findWorkspaceAbove(root);
    const hint = above ? ` The workspace root looks like ${relative(root, above) || '.'} (${above}).` : '';
    return new InitError(
      `${why}: run heapwise init at the root of an npm or pnpm workspace that uses turbo.${hint} Nothing was changed.`,
    );
  };
  if (!existsSync(packageJsonPath)) throw notRoot(`${join(root, 'package.json')} not found`);
  const pkg = parseObject('package.json', readFileSync(packageJsonPath, 'utf8'), false);

  let manager: Workspace['manager'];
  let source: Workspace['source'];
  let patterns: string[];
  if (existsSync(pnpmPath)) {
    manager = 'pnpm';
    source = 'pnpm-workspace.yaml';
    patterns = parsePnpmPackages('pnpm-workspace.yaml', readFileSync(pnpmPath, 'utf8'));
  } else {
    const workspaces = pkg.workspaces as unknown;
    const list = Array.isArray(workspaces) ? workspaces : (workspaces as { packages?: unknown } | undefined)?.packages;
    if (!Array.isArray(list) || list.length === 0) {
      throw notRoot(`${packageJsonPath} declares no "workspaces" and there is no pnpm-workspace.yaml`);
    }
    manager = 'npm';
    source = 'package.json';
    patterns = list.filter((item): item is string => typeof item === 'string');
  }
  const turboConfig = TURBO_CONFIGS.find((name) => existsSync(join(root, name)));
  if (turboConfig === undefined) {
    throw new InitError(
      `${join(root, 'turbo.json')} not found: heapwise init sets up a turbo monorepo (heapwise fits heap sizes to turbo's concurrency). Add turbo first. Nothing was changed.`,
    );
  }
  const packageDirs = expandPatterns(root, patterns).map((dir) => dir.split(sep).join('/'));
  return { root, manager, source, packageDirs, turboConfig };
}
