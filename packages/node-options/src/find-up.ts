// Walking up the directory tree: `.node-options`, `.nvmrc`, turbo.json, the workspace root and
// node_modules are all found the way npm and turbo find them, from a directory towards the root.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The first non-undefined `test(dir)` for `startDir` and each of its ancestors, nearest first. */
export function findUp<T>(startDir: string, test: (dir: string) => T | undefined): T | undefined {
  for (let dir = startDir; ; dir = dirname(dir)) {
    const found = test(dir);
    if (found !== undefined) return found;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The nearest file named one of `names` (in that order of preference) at or above `startDir`. */
export function findFileUp(startDir: string, names: readonly string[]): string | undefined {
  return findUp(startDir, (dir) => names.map((name) => join(dir, name)).find((file) => existsSync(file)));
}
