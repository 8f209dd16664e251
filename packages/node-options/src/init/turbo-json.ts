// turbo 2 runs tasks in strict environment mode: a variable not listed in
// turbo.json does not reach the tasks. `heapwise turbo` tells every task how
// many run at once through HEAPWISE_CONCURRENCY, so without this edit each
// task would size its heap as if it ran alone. Pass-through (rather than
// `env`) keeps them out of the cache key: a different heap does not change
// what a build produces.
import { InitError } from './errors.js';
import { insertIntoArray, parseObject, setProperty } from './jsonc.js';

export const PASS_THROUGH_ENV: readonly string[] = ['NODE_OPTIONS', 'GOMEMLIMIT', 'HEAPWISE_*'];

/** The new text of turbo.json with PASS_THROUGH_ENV in `globalPassThroughEnv` (the same text when they are there). */
export function passHeapwiseEnv(relativePath: string, text: string): string {
  const config = parseObject(relativePath, text, true);
  const current = config.globalPassThroughEnv;
  if (current === undefined) {
    // Before "tasks" when there is one: next to the other global settings.
    return setProperty(text, ['globalPassThroughEnv'], [...PASS_THROUGH_ENV], (properties) => {
      const tasks = properties.indexOf('tasks');
      return tasks >= 0 ? tasks : properties.length;
    });
  }
  if (!Array.isArray(current)) {
    throw new InitError(
      `${relativePath}: "globalPassThroughEnv" must be an array of variable names. Nothing was changed.`,
    );
  }
  let after = text;
  for (const name of PASS_THROUGH_ENV)
    if (!current.includes(name)) after = insertIntoArray(after, ['globalPassThroughEnv'], name, 'last');
  return after;
}
