import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { packageDir, repoRoot } from './helpers.js';

export function setup(): void {
  execFileSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: packageDir, stdio: 'inherit' });
  // The bin runs the bundled CLI (dist/bin/), built from the same sources.
  execFileSync(process.execPath, [join(packageDir, 'scripts', 'bundle.mjs')], { cwd: packageDir, stdio: 'inherit' });
}
