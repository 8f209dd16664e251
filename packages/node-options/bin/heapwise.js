#!/usr/bin/env node
// The bin is a committed shim so that npm can link it before dist/ exists;
// the root `prepare` script builds dist/ right after `npm ci`.
import('../dist/cli.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    console.error(
      'heapwise: not built yet; run `npm run prepare` (or `npx tsc -b packages/node-options`) at the repository root',
    );
    process.exit(2);
  }
  throw error;
});
