// The monorepo around a directory, read as npm, pnpm and turbo read it: the workspace root, the
// package globs it declares (npm's `workspaces` or pnpm-workspace.yaml's `packages`), pnpm's catalogs,
// the workspace folders those globs match, which of them are services, and turbo's config file.
// This is the one place these files are found and read; doctor, sync, turbo and init all ask here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { globSync } from 'tinyglobby';
import { parseDocument as parseYaml } from 'yaml';
import { findUp } from './find-up.js';
import { ConfigError } from './node-options-file.js';

export type PackageManager = 'npm' | 'pnpm';
export const PNPM_WORKSPACE_FILE = 'pnpm-workspace.yaml';
/** turbo 2 reads either name at the workspace root; turbo.json first, as turbo looks for it. */
export const TURBO_CONFIG_FILES: readonly string[] = ['turbo.json', 'turbo.jsonc'];
/**
 * Top-level folders whose workspaces are deployable services (turborepo's `apps/`, our `services/`):
 * each carries a copy of `.node-options` (`heapwise sync`) and gets the service tsconfig preset.
 */
export const SERVICE_DIRS: readonly string[] = ['apps', 'services'];
/** Never searched for workspace packages, as npm and pnpm skip them. */
const IGNORED_GLOBS = ['**/node_modules/**', '**/bower_components/**'];

/** Dependency name → version range. */
export type Catalog = Readonly<Record<string, string>>;

export interface PnpmCatalogs {
  /** `catalog:` (the default catalog, also `catalog:default`). */
  readonly default: Catalog | undefined;
  /** `catalogs: { name: {…} }`, used as `catalog:name`. */
  readonly named: Readonly<Record<string, Catalog>>;
}

export interface WorkspaceDeclaration {
  readonly root: string;
  readonly manager: PackageManager;
  /** The file the globs come from, relative to the root. */
  readonly source: 'package.json' | typeof PNPM_WORKSPACE_FILE;
  /** The globs as written, `!` exclusions included; undefined when the file has none (pnpm). */
  readonly patterns: readonly string[] | undefined;
  /** pnpm's catalogs; empty for npm. */
  readonly catalogs: PnpmCatalogs;
}

export interface WorkspacePackage {
  /** Path relative to the root, with `/` separators (`services/example-api`). */
  readonly path: string;
  readonly dir: string;
}

function problemAt(file: string, text: string, offset: number, reason: string): ConfigError {
  const line = text.slice(0, offset).split('\n').length;
  return new ConfigError([{ file, line, reason }]);
}

/** A JSON file's object (comments allowed with `jsonc`); ConfigError with the first error's line. */
export function readJsonObject(file: string, jsonc = false): Record<string, unknown> {
  // npm strips a UTF-8 byte order mark before parsing package.json; so does this.
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: jsonc, disallowComments: !jsonc });
  const [first] = errors;
  if (first) throw problemAt(file, text, first.offset, `cannot parse (${printParseErrorCode(first.error)})`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError([{ file, line: 0, reason: 'expected a JSON object' }]);
  }
  return value as Record<string, unknown>;
}

function stringRecord(value: unknown): Catalog | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : undefined;
}

/** pnpm-workspace.yaml, read with a YAML parser: any YAML that pnpm accepts (flow or block lists, anchors…). */
export function parsePnpmWorkspace(
  file: string,
  text: string,
): { patterns: string[] | undefined; catalogs: PnpmCatalogs } {
  const document = parseYaml(text);
  const [error] = document.errors;
  if (error) {
    throw new ConfigError([
      { file, line: error.linePos?.[0].line ?? 0, reason: `cannot parse YAML (${error.message.split('\n')[0]})` },
    ]);
  }
  const value: unknown = document.toJS();
  const top = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const catalogs = typeof top.catalogs === 'object' && top.catalogs !== null ? top.catalogs : {};
  const named = Object.fromEntries(
    Object.entries(catalogs).map(([name, entries]) => [name, stringRecord(entries) ?? {}]),
  );
  return { patterns: stringList(top.packages), catalogs: { default: stringRecord(top.catalog), named } };
}

/** The workspace declared at `root`, or undefined when `root` declares none. ConfigError for a file it cannot read. */
export function readWorkspaceDeclaration(root: string): WorkspaceDeclaration | undefined {
  const pnpmFile = join(root, PNPM_WORKSPACE_FILE);
  if (existsSync(pnpmFile)) {
    const { patterns, catalogs } = parsePnpmWorkspace(pnpmFile, readFileSync(pnpmFile, 'utf8'));
    return { root, manager: 'pnpm', source: PNPM_WORKSPACE_FILE, patterns, catalogs };
  }
  const manifestFile = join(root, 'package.json');
  if (!existsSync(manifestFile)) return undefined;
  const field = readJsonObject(manifestFile).workspaces;
  // `"workspaces": [...]`, or the `{ "packages": [...] }` form yarn introduced and npm accepts.
  const patterns = stringList(Array.isArray(field) ? field : (field as { packages?: unknown } | undefined)?.packages);
  if (patterns === undefined) return undefined;
  return { root, manager: 'npm', source: 'package.json', patterns, catalogs: { default: undefined, named: {} } };
}

/** The nearest directory at or above `startDir` that declares a workspace. */
export function findWorkspaceRoot(startDir: string): string | undefined {
  return findUp(startDir, (dir) => (readWorkspaceDeclaration(dir) === undefined ? undefined : dir));
}

/**
 * Workspace folders matching npm/pnpm globs (`*`, `**`, `{a,b}`, `!` exclusions), as npm and pnpm
 * match them: a folder counts when it holds a package.json; node_modules is never searched.
 */
export function expandWorkspacePatterns(root: string, patterns: readonly string[]): string[] {
  const toManifestGlob = (pattern: string): string => {
    const negated = pattern.startsWith('!');
    const bare = (negated ? pattern.slice(1) : pattern).replace(/^\.\//, '').replace(/\/+$/, '');
    return `${negated ? '!' : ''}${bare === '' || bare === '.' ? '' : `${bare}/`}package.json`;
  };
  if (!patterns.some((pattern) => !pattern.startsWith('!'))) return [];
  return globSync(patterns.map(toManifestGlob), {
    cwd: root,
    ignore: IGNORED_GLOBS,
    expandDirectories: false,
  })
    .map((manifest) => manifest.replace(/\/?package\.json$/, ''))
    .filter((path) => path !== '')
    .sort();
}

/** The workspace packages under `root` (none when it declares no workspace). */
export function listWorkspaces(root: string): WorkspacePackage[] {
  const patterns = readWorkspaceDeclaration(root)?.patterns ?? [];
  return expandWorkspacePatterns(root, patterns).map((path) => ({ path, dir: join(root, path) }));
}

/** Whether a workspace (path relative to the root) is a service: under one of SERVICE_DIRS. */
export function isService(path: string): boolean {
  return SERVICE_DIRS.includes(path.split('/')[0] ?? '');
}

export function listServices(root: string): WorkspacePackage[] {
  return listWorkspaces(root).filter((workspace) => isService(workspace.path));
}

/** How many workspaces define an npm script named `script` (how many turbo tasks it becomes). */
export function countWorkspacesWithScript(root: string, script: string): number {
  return listWorkspaces(root).filter((workspace) => {
    try {
      const scripts = readJsonObject(join(workspace.dir, 'package.json')).scripts as
        Record<string, unknown> | undefined;
      return typeof scripts?.[script] === 'string';
    } catch {
      return false; // npm itself reports a broken package.json; here it just runs no task
    }
  }).length;
}

/** turbo.json or turbo.jsonc in `dir`, if there is one. */
export function turboConfigIn(dir: string): string | undefined {
  return TURBO_CONFIG_FILES.map((name) => join(dir, name)).find((file) => existsSync(file));
}

/** The nearest turbo.json or turbo.jsonc at or above `startDir`. */
export function findTurboConfig(startDir: string): string | undefined {
  return findUp(startDir, turboConfigIn);
}

export interface TurboTaskDefinition {
  readonly dependsOn?: unknown;
  readonly persistent?: unknown;
}

/** The task definitions of a turbo config (`tasks`, or turbo 1's `pipeline`); comments and trailing commas allowed. */
export function readTurboTasks(file: string): Readonly<Record<string, TurboTaskDefinition>> {
  const config = readJsonObject(file, true) as { tasks?: unknown; pipeline?: unknown };
  const tasks = config.tasks ?? config.pipeline;
  return typeof tasks === 'object' && tasks !== null ? (tasks as Record<string, TurboTaskDefinition>) : {};
}
