// `heapwise turbo` takes what `turbo run` takes, in any order: `heapwise turbo --filter=web build`
// and `heapwise turbo build --filter web` are the same run. This splits the arguments into the task
// names, the package selectors (to count only the tasks that will really run), the user's
// --concurrency and everything else, which goes to turbo unchanged and in order.
import { join } from 'node:path';
import picomatch from 'picomatch';
import { listWorkspaces, readJsonObject } from './workspace.js';

/**
 * `turbo run` options that take the next word as their value when written without `=`
 * (turbo 2's `run --help`). Options not listed are read as flags; options whose value is optional
 * (`--graph`, `--dry-run`, `--summarize`, `--continue`, `--affected`…) only take one with `=`.
 */
const OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set([
  '--filter',
  '-F',
  '--concurrency',
  '--cache',
  '--cache-dir',
  '--cwd',
  '--env-mode',
  '--global-deps',
  '--log-order',
  '--log-prefix',
  '--output-logs',
  '--profile',
  '--anon-profile',
  '--remote-cache-timeout',
  '--token',
  '--team',
  '--api',
  '--login',
  '--heap',
  '--ui',
  '--scope',
  '--ignore',
  '--since',
  '--cache-workers',
  '--pkg-inference-root',
]);

export interface TurboRunArgs {
  readonly tasks: string[];
  /** Every `--filter`/`-F` value, in order. */
  readonly filters: string[];
  /** `--affected`: the selection depends on git, which heapwise does not read. */
  readonly affected: boolean;
  /** The user's --concurrency value (taken out: heapwise passes its own). */
  readonly userConcurrency: string | undefined;
  /** `--memory <size>`: heapwise's own option (taken out: turbo has none). */
  readonly memory: string | undefined;
  /** Everything else for turbo, in the order given (`--` and what follows included). */
  readonly rest: string[];
}

export class TurboArgsError extends Error {}

export function parseTurboRunArgs(args: readonly string[]): TurboRunArgs {
  const tasks: string[] = [];
  const filters: string[] = [];
  const rest: string[] = [];
  let userConcurrency: string | undefined;
  let memory: string | undefined;
  let affected = false;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg === '--') {
      rest.push(...args.slice(index));
      break;
    }
    if (!arg.startsWith('-')) {
      tasks.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    let value: string | undefined = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : undefined;
    if (value === undefined && (OPTIONS_WITH_VALUE.has(name) || name === '--memory')) {
      value = args[index + 1];
      if (value === undefined) throw new TurboArgsError(`turbo: ${name} needs a value`);
      index += 1;
    }
    if (name === '--concurrency') {
      userConcurrency = value;
      continue;
    }
    if (name === '--memory') {
      memory = value;
      continue;
    }
    if (name === '--filter' || name === '-F') filters.push(value ?? '');
    if (name === '--affected') affected = value !== 'false';
    rest.push(arg);
    if (eq < 0 && OPTIONS_WITH_VALUE.has(name)) rest.push(value ?? '');
  }
  return { tasks, filters, affected, userConcurrency, memory, rest };
}

export interface WorkspaceNode {
  readonly name: string;
  /** Relative to the root, `/`-separated. */
  readonly path: string;
  /** Names of the workspace packages it depends on (any dependency field). */
  readonly dependencies: readonly string[];
  readonly scripts: Readonly<Record<string, unknown>>;
}

/** The workspace graph turbo works on: names, folders, internal dependencies and scripts. */
export function readWorkspaceGraph(root: string): WorkspaceNode[] {
  const packages = listWorkspaces(root).flatMap((workspace) => {
    try {
      const manifest = readJsonObject(join(workspace.dir, 'package.json'));
      return [{ path: workspace.path, manifest }];
    } catch {
      return [];
    }
  });
  const names = new Set(packages.map(({ manifest }) => manifest.name).filter((name) => typeof name === 'string'));
  return packages.map(({ path, manifest }) => ({
    name: typeof manifest.name === 'string' ? manifest.name : path,
    path,
    dependencies: ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']
      .flatMap((field) => Object.keys(manifest[field] ?? {}))
      .filter((dependency) => names.has(dependency)),
    scripts: (manifest.scripts ?? {}) as Record<string, unknown>,
  }));
}

export interface Selection {
  /** Names of the selected packages. */
  readonly names: ReadonlySet<string>;
  /** Set when some selector could not be evaluated (git ranges, --affected): then every package counts. */
  readonly unknown?: string;
}

function closure(start: Iterable<string>, edges: (name: string) => readonly string[]): Set<string> {
  const found = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    for (const next of edges(name)) {
      if (!found.has(next)) {
        found.add(next);
        queue.push(next);
      }
    }
  }
  return found;
}

/**
 * The packages turbo's `--filter` selectors pick, for the forms that do not need git: a name glob
 * (`@scope/*`), a folder (`./apps/*`, `{./apps/web}`), `…` for dependencies after and dependents
 * before, `^` to leave the named package itself out, and `!` to exclude. Without any filter every
 * package is selected.
 */
export function selectPackages(
  graph: readonly WorkspaceNode[],
  filters: readonly string[],
  affected = false,
): Selection {
  const all = new Set(graph.map((node) => node.name));
  if (affected) return { names: all, unknown: '--affected' };
  if (filters.length === 0) return { names: all };
  const dependenciesOf = (name: string) => graph.find((node) => node.name === name)?.dependencies ?? [];
  const dependentsOf = (name: string) =>
    graph.filter((node) => node.dependencies.includes(name)).map((node) => node.name);
  const include = new Set<string>();
  const exclude = new Set<string>();
  let anyInclude = false;
  for (const raw of filters) {
    let filter = raw;
    const negated = filter.startsWith('!');
    if (negated) filter = filter.slice(1);
    if (/\[.*\]/.test(filter)) return { names: all, unknown: `--filter=${raw} (a git range)` };
    let withDependents = false;
    let withDependencies = false;
    let excludeSelf = false;
    if (filter.startsWith('...')) {
      withDependents = true;
      filter = filter.slice(3);
      if (filter.startsWith('^')) {
        excludeSelf = true;
        filter = filter.slice(1);
      }
    }
    if (filter.endsWith('...')) {
      withDependencies = true;
      filter = filter.slice(0, -3);
      if (filter.endsWith('^')) {
        excludeSelf = true;
        filter = filter.slice(0, -1);
      }
    }
    const braced = /^\{(.*)\}$/.exec(filter);
    const isPath = braced !== null || filter.startsWith('./') || filter.startsWith('../') || filter === '.';
    const pattern = (braced?.[1] ?? filter).replace(/^\.\//, '').replace(/\/+$/, '');
    const matches = isPath
      ? (node: WorkspaceNode) => pattern === '' || pattern === '.' || picomatch.isMatch(node.path, pattern)
      : (node: WorkspaceNode) => picomatch.isMatch(node.name, pattern);
    const base = graph.filter(matches).map((node) => node.name);
    const picked = new Set(excludeSelf ? [] : base);
    if (withDependencies) for (const name of closure(base, dependenciesOf)) picked.add(name);
    if (withDependents) for (const name of closure(base, dependentsOf)) picked.add(name);
    if (negated) for (const name of picked) exclude.add(name);
    else {
      anyInclude = true;
      for (const name of picked) include.add(name);
    }
  }
  const chosen = anyInclude ? include : all;
  return { names: new Set([...chosen].filter((name) => !exclude.has(name))) };
}

/** How many of the selected packages have a script named `task` (how many turbo tasks it becomes). */
export function countSelectedWithScript(graph: readonly WorkspaceNode[], selection: Selection, task: string): number {
  return graph.filter((node) => selection.names.has(node.name) && typeof node.scripts[task] === 'string').length;
}
