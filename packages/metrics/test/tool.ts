// External tools some tests need (promtool, Prometheus's Python client). In CI (CI=true) a
// missing tool fails the run, since .ci/run installs them; elsewhere the tests that need it skip
// and say why.
import { spawnSync } from 'node:child_process';

export function toolMissing(command: string, args: string[], installHint: string): boolean {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  const missing = result.error !== undefined || result.status !== 0;
  if (missing) {
    const reason = `${command} ${args.join(' ')} failed (${installHint})`;
    if (process.env.CI === 'true') throw new Error(`${reason}: required in CI`);
    console.warn(`skipping the tests that need ${command}: ${reason}`);
  }
  return missing;
}
