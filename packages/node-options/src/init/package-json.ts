// Plans the edits to one package.json: heap flags out of the task scripts,
// task scripts wrapped with `heapwise run`, heapwise dev dependencies in.
import { extractHeapFlags, hasHeapFlag } from './heap-flags.js';
import { parseObject, setProperty } from './jsonc.js';
import { INIT_TASKS, type InitTask } from './profiles.js';
import { routeTurbo, wrapScript } from './wrap-script.js';

export interface PackageJsonPlan {
  readonly after: string;
  /** Heap sizes removed from this file's scripts, per task. */
  readonly sizesMb: ReadonlyMap<InitTask, number[]>;
  readonly notes: readonly string[];
}

export interface PackageJsonOptions {
  /** The workspace root's package.json: heap flags come out, and `turbo run <task>` becomes `heapwise turbo <task>` instead of being wrapped. */
  readonly isRoot: boolean;
  /** Dev dependencies to add when missing: name → version range. */
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

  for (const [name, script] of Object.entries(scripts)) {
    if (typeof script !== 'string') continue;
    if (!isTask(name)) {
      if (hasHeapFlag(script)) {
        notes.push(
          `${relativePath}: script "${name}" sets a heap size but is not a heapwise task (${INIT_TASKS.join(', ')}); left as it is`,
        );
      }
      continue;
    }
    const extracted = extractHeapFlags(script);
    if (extracted.sizesMb.length > 0) sizesMb.set(name, [...extracted.sizesMb]);
    const next = options.isRoot ? routeTurbo(extracted.script) : wrapScript(name, extracted.script);
    if (next !== script) after = setProperty(after, ['scripts', name], next);
  }

  const declared = new Set(
    ['dependencies', 'devDependencies', 'peerDependencies'].flatMap((field) =>
      Object.keys((pkg[field] ?? {}) as object),
    ),
  );
  const devKeys = Object.keys((pkg.devDependencies ?? {}) as object);
  for (const [name, range] of options.devDependencies) {
    if (declared.has(name) || pkg.name === name) continue;
    // Alphabetical when the list already is (npm keeps it so), else at the end.
    const index = isSorted(devKeys) ? devKeys.filter((key) => key < name).length : devKeys.length;
    after =
      pkg.devDependencies === undefined && devKeys.length === 0
        ? // A new "devDependencies" goes last, where npm would put it.
          setProperty(after, ['devDependencies'], { [name]: range })
        : setProperty(after, ['devDependencies', name], range, () => index);
    devKeys.splice(index, 0, name);
  }
  return { after, sizesMb, notes };
}
