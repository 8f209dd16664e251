import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The spawned tests run the built CLI: build it first (a no-op when dist/ is up to date).
    globalSetup: ['test/global-setup.ts'],
    // Real processes on a shared 2-core machine. The Node matrix is installed before the tests
    // (scripts/install-node-matrix.mjs), never by a hook.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
