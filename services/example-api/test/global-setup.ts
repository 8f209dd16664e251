import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { serviceDir } from './service-process.js';

/** Builds the service (and its references) so that the tests start what the sources say. */
export function setup(): void {
  const require = createRequire(import.meta.url);
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-b'], { cwd: serviceDir, stdio: 'inherit' });
}
