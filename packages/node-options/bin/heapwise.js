#!/usr/bin/env node
// The bin is a committed shim so that npm can link it before dist/ exists; the root `prepare` script
// builds dist/ right after `npm ci`. It is the only place that wires the process (argv, cwd, env,
// stdout, stderr, exit code) to the CLI's `main`, which tests import and run in-process.
let cli;
try {
  cli = await import('../dist/cli.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    console.error(
      'heapwise: not built yet; run `npm run prepare` (or `npx tsc -b packages/node-options`) at the repository root',
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
