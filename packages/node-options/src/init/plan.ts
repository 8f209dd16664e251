// `heapwise init` as two steps: planInit reads everything and computes every
// new file in memory (any problem throws before a byte is written), and
// applyInit writes the plan all-or-nothing.
import {
  chmodSync,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { unifiedDiff } from './diff.js';
import { InitError } from './errors.js';
import { parseObject } from './jsonc.js';
import { planPackageJson } from './package-json.js';
import {
  addPackageRequests,
  DEFAULT_PROFILES,
  INIT_TASKS,
  type PackageRequest,
  raiseRequestedSizes,
  renderNodeOptions,
  type InitTask,
  type Profile,
} from './profiles.js';
import {
  describeOptionChanges,
  extendAdoptPreset,
  predictOptionChanges,
  PRESET_PACKAGE,
  resolveChain,
} from './tsconfig.js';
import { PNPM_WORKSPACE_FILE } from '../workspace.js';
import { addToDefaultCatalog, CATALOG_REFERENCE, usesCatalogs } from './pnpm-catalog.js';
import { passHeapwiseEnv } from './turbo-json.js';
import { readWorkspace, type Workspace } from './workspace.js';

export interface FileChange {
  /** Absolute path. */
  readonly path: string;
  /** Relative to the workspace root, `/`-separated (as shown in the diff). */
  readonly relativePath: string;
  /** Current content; null when the file is created. */
  readonly before: string | null;
  readonly after: string;
}

export interface InitPlan {
  readonly root: string;
  readonly manager: Workspace['manager'];
  /** Only files whose content changes; empty when the workspace is already set up. */
  readonly changes: readonly FileChange[];
  /** Unified diff of every change, '' when there is none. */
  readonly diff: string;
  /** Heap sizes found in scripts, per task, with where they came from (and the package, outside the root). */
  readonly foundSizes: readonly FoundSize[];
  /** Things init saw and deliberately left alone. */
  readonly notes: readonly string[];
  /**
   * Per tsconfig whose effective configuration init changes (the edited ones
   * and those in the same folder extending them): every effective compiler
   * option that changes, as `tsc --showConfig` would show it.
   */
  readonly optionChanges: readonly string[];
}

export interface FoundSize {
  readonly task: InitTask;
  readonly sizeMb: number;
  readonly file: string;
  /** The package whose script set it; undefined for the workspace root (every task of that kind). */
  readonly packageName?: string | undefined;
}

export interface PlanInitOptions {
  /** Version range written for the heapwise dev dependencies; default `^` + this package's version. */
  readonly versionRange?: string;
}

const NODE_OPTIONS_PACKAGE = '@heapwise/node-options';
const TEMP_SUFFIX = '.heapwise-init.tmp';

function ownVersion(): string {
  // src/init/plan.ts and dist/init/plan.js are both two levels below package.json.
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}

function readIfExists(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/**
 * The effective option changes of `dir/tsconfig.json` and of every
 * `dir/tsconfig*.json` that extends it (tsconfig.test.json and the like).
 */
function describeTsconfigFamily(root: string, dir: string): string[] {
  const edited = join(root, dir, 'tsconfig.json');
  const family = readdirSync(join(root, dir))
    .filter((name) => /^tsconfig.*\.json$/.test(name))
    .sort((a, b) => (a === 'tsconfig.json' ? -1 : b === 'tsconfig.json' ? 1 : a.localeCompare(b)));
  const lines: string[] = [];
  for (const name of family) {
    const chain = resolveChain(join(root, dir, name));
    if (!chain.files.includes(edited)) continue;
    lines.push(describeOptionChanges(`${dir}/${name}`, predictOptionChanges(chain), chain.unresolved));
  }
  return lines;
}

export function planInit(root: string, options: PlanInitOptions = {}): InitPlan {
  const workspace = readWorkspace(root);
  const versionRange = options.versionRange ?? `^${ownVersion()}`;
  // A pnpm workspace with a catalog gets `catalog:` references, and the versions go into the catalog.
  const catalog = workspace.manager === 'pnpm' && usesCatalogs(workspace.catalogs);
  const range = catalog ? CATALOG_REFERENCE : versionRange;
  const addedDependencies = new Set<string>();
  const changes: FileChange[] = [];
  const notes: string[] = [];
  const foundSizes: FoundSize[] = [];
  const optionChanges: string[] = [];
  const record = (relativePath: string, before: string | null, after: string) => {
    if (before !== after) changes.push({ path: join(root, relativePath), relativePath, before, after });
  };
  const collect = (file: string, sizes: ReadonlyMap<InitTask, number[]>, packageName?: string) => {
    for (const [task, list] of sizes) for (const sizeMb of list) foundSizes.push({ task, sizeMb, file, packageName });
  };

  const turboText = readFileSync(join(root, workspace.turboConfig), 'utf8');
  record(workspace.turboConfig, turboText, passHeapwiseEnv(workspace.turboConfig, turboText));

  // The root: heap flags out of its scripts (they reach every task through
  // NODE_OPTIONS today), `turbo run` through `heapwise turbo`, the CLI in as
  // a dev dependency.
  const rootText = readFileSync(join(root, 'package.json'), 'utf8');
  const rootPlan = planPackageJson('package.json', rootText, {
    isRoot: true,
    devDependencies: new Map([[NODE_OPTIONS_PACKAGE, range]]),
  });
  collect('package.json', rootPlan.sizesMb);
  for (const name of rootPlan.added) addedDependencies.add(name);
  notes.push(...rootPlan.notes);
  record('package.json', rootText, rootPlan.after);

  // Who depends on whom inside the workspace: adding a heapwise package as a
  // dev dependency of a package it depends on itself (heapwise's own repo)
  // would make turbo's graph cyclic.
  const dependentsOf = new Map<string, Set<string>>();
  const nameOf = new Map<string, string>();
  for (const dir of workspace.packageDirs) {
    const manifest = parseObject(`${dir}/package.json`, readFileSync(join(root, dir, 'package.json'), 'utf8'), false);
    if (typeof manifest.name !== 'string') continue;
    nameOf.set(dir, manifest.name);
    const deps = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) =>
      Object.keys(manifest[field] ?? {}),
    );
    dependentsOf.set(manifest.name, new Set(deps));
  }
  const wouldCycle = (dependency: string, dir: string) =>
    dependentsOf.get(dependency)?.has(nameOf.get(dir) ?? '') === true;

  for (const dir of workspace.packageDirs) {
    const tsconfigPath = `${dir}/tsconfig.json`;
    const tsconfigText = readIfExists(join(root, tsconfigPath));
    const packagePath = `${dir}/package.json`;
    const packageText = readFileSync(join(root, packagePath), 'utf8');
    const scripts = parseObject(packagePath, packageText, false).scripts ?? {};
    // Only a package with a task script runs `heapwise`.
    const runsTasks = INIT_TASKS.some((task) => typeof (scripts as Record<string, unknown>)[task] === 'string');
    const devDependencies = new Map(runsTasks ? [[NODE_OPTIONS_PACKAGE, range]] : []);
    if (tsconfigText !== null) {
      const tsconfigAfter = extendAdoptPreset(tsconfigPath, tsconfigText);
      record(tsconfigPath, tsconfigText, tsconfigAfter);
      if (tsconfigAfter !== tsconfigText) optionChanges.push(...describeTsconfigFamily(root, dir));
      devDependencies.set(PRESET_PACKAGE, range);
    }
    for (const dependency of [...devDependencies.keys()])
      if (wouldCycle(dependency, dir)) devDependencies.delete(dependency);
    const packagePlan = planPackageJson(packagePath, packageText, { isRoot: false, devDependencies });
    collect(packagePath, packagePlan.sizesMb, nameOf.get(dir) ?? dir);
    for (const name of packagePlan.added) addedDependencies.add(name);
    notes.push(...packagePlan.notes);
    record(packagePath, packageText, packagePlan.after);
  }

  // A size in a root script reached every task: it raises the task's request. A size in one
  // package's script becomes that package's own request ([package#task]) when it is larger than the
  // task's: one oversized build must not become every build's request. Never lowered.
  const largest = new Map<InitTask, number>();
  const packageRequests = new Map<string, PackageRequest>();
  for (const { task, sizeMb, packageName } of foundSizes) {
    if (packageName === undefined) largest.set(task, Math.max(largest.get(task) ?? 0, sizeMb));
    else {
      const key = `${packageName}#${task}`;
      packageRequests.set(key, { packageName, task, sizeMb: Math.max(packageRequests.get(key)?.sizeMb ?? 0, sizeMb) });
    }
  }
  const withPackageRequests = (text: string) => {
    const added = addPackageRequests('.node-options', text, [...packageRequests.values()]);
    notes.push(...added.notes);
    return added.text;
  };
  const nodeOptionsText = readIfExists(join(root, '.node-options'));
  if (nodeOptionsText === null) {
    const profiles = Object.fromEntries(
      INIT_TASKS.map((task): [InitTask, Profile] => {
        const profile = DEFAULT_PROFILES[task];
        return [task, { ...profile, maxOldSpaceSizeMb: Math.max(profile.maxOldSpaceSizeMb, largest.get(task) ?? 0) }];
      }),
    ) as Record<InitTask, Profile>;
    record('.node-options', null, withPackageRequests(renderNodeOptions(profiles)));
  } else {
    const raised = raiseRequestedSizes('.node-options', nodeOptionsText, largest);
    notes.push(...raised.notes);
    record('.node-options', nodeOptionsText, withPackageRequests(raised.text));
  }

  if (catalog && addedDependencies.size > 0) {
    const yamlText = readFileSync(join(root, PNPM_WORKSPACE_FILE), 'utf8');
    const entries = new Map([...addedDependencies].sort().map((name) => [name, versionRange]));
    record(PNPM_WORKSPACE_FILE, yamlText, addToDefaultCatalog(PNPM_WORKSPACE_FILE, yamlText, entries));
  }

  changes.sort((a, b) => a.relativePath.localeCompare(b.relativePath));
  const diff = changes.map((change) => unifiedDiff(change.relativePath, change.before, change.after)).join('');
  return { root, manager: workspace.manager, changes, diff, foundSizes, notes, optionChanges };
}

/**
 * Where a change is written: a symlinked package.json or tsconfig.json stays a symlink and its
 * target gets the new content (a rename onto the link would replace the link with a file).
 */
function writeTarget(path: string): string {
  return existsSync(path) && lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
}

/**
 * Writes a plan. Every file is first checked against the content the plan was
 * computed from, then written to a temporary file beside it; only when all of
 * them are written are they renamed into place. A failure before the renames
 * removes the temporaries and leaves the workspace as it was.
 */
export function applyInit(plan: InitPlan): void {
  const targets = plan.changes.map((change) => ({ change, target: writeTarget(change.path) }));
  for (const { change, target } of targets) {
    if (readIfExists(change.path) !== change.before) {
      throw new InitError(
        `${change.relativePath} changed since the plan was made; run heapwise init again. Nothing was changed.`,
      );
    }
    if (existsSync(`${target}${TEMP_SUFFIX}`)) {
      throw new InitError(
        `${target}${TEMP_SUFFIX} is left over from an interrupted heapwise init: ` +
          'remove it and run heapwise init again. Nothing was changed.',
      );
    }
  }
  const written: string[] = [];
  try {
    for (const { change, target } of targets) {
      const temp = `${target}${TEMP_SUFFIX}`;
      writeFileSync(temp, change.after, { flag: 'wx' });
      written.push(temp);
      if (change.before !== null) chmodSync(temp, statSync(target).mode);
    }
  } catch (error) {
    for (const temp of written) rmSync(temp, { force: true });
    throw error;
  }
  for (const { target } of targets) renameSync(`${target}${TEMP_SUFFIX}`, target);
}
