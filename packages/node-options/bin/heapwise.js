#!/usr/bin/env node
// The bin is a committed shim so that npm can link it before dist/ exists; the root `prepare` script
// builds dist/ right after `npm ci`. It loads the bundled CLI (dist/bin/, see scripts/bundle.mjs):
// every task starts through `heapwise run`, so start-up counts. It is the only place that wires the
// process (argv, cwd, env, stdout, stderr, exit code) to the CLI's `main`, which tests run in-process.
import module from 'node:module';

// Node 22.1+ keeps compiled code on disk between runs; Node 20 has no such cache.
module.enableCompileCache?.();

let cli;
try {
  cli = await import('../dist/bin/cli.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/bin/cli.js')) {
    console.error(
      'heapwise: not built yet; run `npm run prepare` (or `npm run build -w @heapwise/node-options`) ' +
        'at the repository root',
    );
    process.exit(2);
  }
  throw error;
}
process.exitCode = await cli.main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
