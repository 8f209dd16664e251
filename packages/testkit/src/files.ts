import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `du` semantics for a flat directory: the sum of the sizes of its files. A file deleted between the
 * listing and its stat counts 0 (a spool rotates segments while it is measured).
 */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    try {
      total += statSync(join(dir, name)).size;
    } catch {
      // deleted while listing
    }
  }
  return total;
}
