// Which tasks a `turbo run <tasks>` also runs: the `dependsOn` of each task in the turbo config,
// followed transitively (`^build`, `build` and `pkg#build` all mean the `build` task somewhere). The
// largest heap among them is what must fit `concurrency` times.
import { readTurboTasks, type TurboTaskDefinition } from './workspace.js';

/**
 * The config's task definitions; none when there is no config or turbo could not read it either
 * (turbo reports that).
 */
function readDefinitions(turboConfigFile: string | undefined): Readonly<Record<string, TurboTaskDefinition>> {
  if (turboConfigFile === undefined) return {};
  try {
    return readTurboTasks(turboConfigFile);
  } catch {
    return {};
  }
}

function taskName(entry: string): string {
  const bare = entry.replace(/^\^/, '');
  return bare.includes('#') ? bare.slice(bare.indexOf('#') + 1) : bare;
}

/** Those of `tasks` that the turbo config marks `persistent` (dev servers, watchers): they never finish. */
export function persistentTasks(tasks: readonly string[], turboConfigFile: string | undefined): string[] {
  const definitions = readDefinitions(turboConfigFile);
  return tasks.map(taskName).filter((task) => definitions[task]?.persistent === true);
}

/** `tasks` plus every task they depend on in the turbo config (names without package prefixes). */
export function tasksWithDependencies(tasks: readonly string[], turboConfigFile: string | undefined): string[] {
  const definitions = readDefinitions(turboConfigFile);
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
