// Plans the edits to one package.json: task scripts rewritten to run under
// `heapwise run` (heap sizes moved out), the root's turbo calls routed through
// `heapwise turbo`, heapwise dev dependencies in (as `catalog:` entries when the
// pnpm workspace keeps its versions in a catalog).
import { parseObject, setProperty } from './jsonc.js';
import { INIT_TASKS, type InitTask } from './profiles.js';
import { callsTurbo, mentionsHeapFlag, rewriteRootScript, rewriteTaskScript } from './shell-script.js';

export interface PackageJsonPlan {
  readonly after: string;
  /** Heap sizes removed from this file's scripts, per task. */
  readonly sizesMb: ReadonlyMap<InitTask, number[]>;
  readonly notes: readonly string[];
  /** The dev dependencies that were added. */
  readonly added: readonly string[];
}

export interface PackageJsonOptions {
  /**
   * The workspace root's package.json: every script's `turbo run` goes through `heapwise turbo`;
   * task scripts' other commands are wrapped like a package's.
   */
  readonly isRoot: boolean;
  /** Dev dependencies to add when missing: name → version range (or `catalog:`). */
  readonly devDependencies: ReadonlyMap<string, string>;
}

function isTask(name: string): name is InitTask {
  return (INIT_TASKS as readonly string[]).includes(name);
}

function isSorted(keys: readonly string[]): boolean {
  return keys.every((key, index) => index === 0 || (keys[index - 1] ?? '') <= key);
}

export function planPackageJson(relativePath: string, text: string, options: PackageJsonOptions): PackageJsonPlan {
  const pkg = parseObject(relativePath, text, false);
  const scripts = (pkg.scripts ?? {}) as Record<string, unknown>;
  const sizesMb = new Map<InitTask, number[]>();
  const notes: string[] = [];
  let after = text;
  const leftAlone = (name: string, reason: string) =>
    notes.push(`${relativePath}: script "${name}" left as it is: ${reason}`);

  for (const [name, script] of Object.entries(scripts)) {
    if (typeof script !== 'string') continue;
    const task = isTask(name) ? name : undefined;
    if (!options.isRoot && task === undefined) {
      if (mentionsHeapFlag(script)) {
        leftAlone(name, `it sets a heap size but is not a heapwise task (${INIT_TASKS.join(', ')})`);
      }
      continue;
    }
    const rewrite = options.isRoot ? rewriteRootScript(script, task) : rewriteTaskScript(name, script);
    if (rewrite.leftAlone !== undefined) {
      // Reported when it matters: a task script, a turbo call not routed, or a heap size not moved.
      if (task !== undefined || callsTurbo(script) || mentionsHeapFlag(script)) leftAlone(name, rewrite.leftAlone);
      continue;
    }
    if (task !== undefined && rewrite.sizesMb.length > 0) sizesMb.set(task, [...rewrite.sizesMb]);
    if (rewrite.script !== script) after = setProperty(after, ['scripts', name], rewrite.script);
  }

  const declared = new Set(
    ['dependencies', 'devDependencies', 'peerDependencies'].flatMap((field) => Object.keys(pkg[field] ?? {})),
  );
  const devKeys = Object.keys(pkg.devDependencies ?? {});
  const added: string[] = [];
  for (const [name, range] of options.devDependencies) {
    if (declared.has(name) || pkg.name === name) continue;
    added.push(name);
    // Alphabetical when the list already is (npm keeps it so), else at the end.
    const index = isSorted(devKeys) ? devKeys.filter((key) => key < name).length : devKeys.length;
    after =
      pkg.devDependencies === undefined && devKeys.length === 0
        ? // A new "devDependencies" goes last, where npm would put it.
          setProperty(after, ['devDependencies'], { [name]: range })
        : setProperty(after, ['devDependencies', name], range, () => index);
    devKeys.splice(index, 0, name);
  }
  return { after, sizesMb, notes, added };
}
