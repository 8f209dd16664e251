// Which tasks a `turbo run <tasks>` also runs: the `dependsOn` of each task in turbo.json, followed
// transitively (`^build`, `build` and `pkg#build` all mean the `build` task somewhere). The largest
// heap among them is what must fit `concurrency` times.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';

interface TaskDefinition {
  dependsOn?: unknown;
  persistent?: unknown;
}

interface TurboJson {
  tasks?: Record<string, TaskDefinition>;
  pipeline?: Record<string, TaskDefinition>;
}

function readDefinitions(turboJsonFile: string | undefined): Record<string, TaskDefinition> {
  if (turboJsonFile === undefined) return {};
  try {
    const turbo = parseJsonc(readFileSync(turboJsonFile, 'utf8')) as TurboJson | undefined;
    return turbo?.tasks ?? turbo?.pipeline ?? {};
  } catch {
    return {};
  }
}

/** Those of `tasks` that turbo.json marks `persistent` (dev servers, watchers): they never finish. */
export function persistentTasks(tasks: readonly string[], turboJsonFile: string | undefined): string[] {
  const definitions = readDefinitions(turboJsonFile);
  return tasks.map(taskName).filter((task) => definitions[task]?.persistent === true);
}

export function findTurboJson(startDir: string): string | undefined {
  for (let dir = startDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'turbo.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function taskName(entry: string): string {
  const bare = entry.replace(/^\^/, '');
  return bare.includes('#') ? bare.slice(bare.indexOf('#') + 1) : bare;
}

/** `tasks` plus every task they depend on in `turboJsonFile` (names without package prefixes). */
export function tasksWithDependencies(tasks: readonly string[], turboJsonFile: string | undefined): string[] {
  const definitions = readDefinitions(turboJsonFile);
  const found = new Set<string>();
  const queue = tasks.map(taskName);
  while (queue.length > 0) {
    const task = queue.shift() as string;
    if (found.has(task)) continue;
    found.add(task);
    const dependsOn = definitions[task]?.dependsOn;
    if (Array.isArray(dependsOn)) {
      for (const entry of dependsOn)
        if (typeof entry === 'string' && !entry.startsWith('$')) queue.push(taskName(entry));
    }
  }
  return [...found];
}
