// The workspace `heapwise init` works on: read through the one workspace module, with init's own
// refusals (not a workspace root, no turbo, a file it cannot read), each naming the file and what to do.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { findUp } from '../find-up.js';
import { ConfigError, formatProblem } from '../node-options-file.js';
import {
  expandWorkspacePatterns,
  readJsonObject,
  readWorkspaceDeclaration,
  turboConfigIn,
  PNPM_WORKSPACE_FILE,
  type PackageManager,
  type PnpmCatalogs,
  type WorkspaceDeclaration,
} from '../workspace.js';
import { InitError } from './errors.js';

export interface Workspace {
  readonly root: string;
  readonly manager: PackageManager;
  /** Where the package globs came from, relative to the root. */
  readonly source: WorkspaceDeclaration['source'];
  /** Package directories relative to the root, with `/` separators, sorted. */
  readonly packageDirs: readonly string[];
  /** turbo.json (or turbo.jsonc), relative to the root. */
  readonly turboConfig: string;
  /** pnpm's catalogs (empty for npm). */
  readonly catalogs: PnpmCatalogs;
}

/** A file init cannot read, as an InitError naming it relative to the root. */
function unreadable(root: string, error: ConfigError): InitError {
  const problems = error.problems.map((problem) => formatProblem({ ...problem, file: relative(root, problem.file) }));
  return new InitError(`${problems.join('; ')}; fix it and run heapwise init again. Nothing was changed.`);
}

function declarationAt(root: string): WorkspaceDeclaration | undefined {
  try {
    return readWorkspaceDeclaration(root);
  } catch (error) {
    if (error instanceof ConfigError) throw unreadable(root, error);
    throw error;
  }
}

/** The nearest ancestor that declares a workspace, to point a lost user to it. */
function findWorkspaceAbove(dir: string): string | undefined {
  return findUp(dirname(dir), (candidate) => {
    try {
      return readWorkspaceDeclaration(candidate) === undefined ? undefined : candidate;
    } catch {
      return undefined; // not ours to diagnose: we only look for a hint
    }
  });
}

/**
 * Files and `packageManager` values that mean yarn or bun runs this workspace. init writes for npm and
 * pnpm only: yarn's and bun's script runners, lockfiles and workspace protocols are not what it was
 * tested against, so it refuses rather than leave a half-working setup.
 */
const UNSUPPORTED_MANAGERS: readonly { name: string; files: readonly string[] }[] = [
  { name: 'yarn', files: ['.yarnrc.yml', '.yarnrc', 'yarn.lock', '.pnp.cjs'] },
  { name: 'bun', files: ['bun.lock', 'bun.lockb', 'bunfig.toml'] },
];

/** One line naming why the workspace is yarn's or bun's, or undefined for npm and pnpm. */
export function unsupportedManager(root: string, packageManager: unknown): string | undefined {
  for (const { name, files } of UNSUPPORTED_MANAGERS) {
    if (typeof packageManager === 'string' && packageManager.startsWith(`${name}@`)) {
      return `package.json says "packageManager": "${packageManager}"`;
    }
    const file = files.find((candidate) => existsSync(join(root, candidate)));
    if (file !== undefined) return `${file} is there (${name})`;
  }
  return undefined;
}

export function readWorkspace(root: string): Workspace {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new InitError(`${root}: no such directory.`);
  let manifest: Record<string, unknown> | undefined;
  try {
    manifest = existsSync(join(root, 'package.json')) ? readJsonObject(join(root, 'package.json')) : undefined;
  } catch (error) {
    if (error instanceof ConfigError) throw unreadable(root, error);
    throw error;
  }
  const unsupported = unsupportedManager(root, manifest?.packageManager);
  if (unsupported !== undefined) {
    throw new InitError(
      `${unsupported}: heapwise init supports npm and pnpm workspaces only (yarn and bun are not supported yet). ` +
        'Nothing was changed.',
    );
  }
  const notRoot = (why: string) => {
    const above = findWorkspaceAbove(root);
    const hint = above ? ` The workspace root looks like ${relative(root, above) || '.'} (${above}).` : '';
    return new InitError(
      `${why}: run heapwise init at the root of an npm or pnpm workspace that uses turbo.${hint} Nothing was changed.`,
    );
  };
  const packageJsonPath = join(root, 'package.json');
  if (!existsSync(packageJsonPath)) throw notRoot(`${packageJsonPath} not found`);
  const declaration = declarationAt(root);
  if (declaration === undefined || (declaration.manager === 'npm' && declaration.patterns?.length === 0)) {
    throw notRoot(`${packageJsonPath} declares no "workspaces" and there is no ${PNPM_WORKSPACE_FILE}`);
  }
  if (declaration.patterns === undefined) {
    throw new InitError(
      `${PNPM_WORKSPACE_FILE}: no "packages:" list; add the package globs and run heapwise init again.`,
    );
  }
  const turboFile = turboConfigIn(root);
  if (turboFile === undefined) {
    throw new InitError(
      `${join(root, 'turbo.json')} not found: heapwise init sets up a turbo monorepo ` +
        "(heapwise fits heap sizes to turbo's concurrency). Add turbo first. Nothing was changed.",
    );
  }
  return {
    root,
    manager: declaration.manager,
    source: declaration.source,
    packageDirs: expandWorkspacePatterns(root, declaration.patterns),
    turboConfig: relative(root, turboFile),
    catalogs: declaration.catalogs,
  };
}
