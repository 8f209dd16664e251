import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI tests spawn the built CLI: build it first (a no-op when dist/ is up to date).
    globalSetup: ['test/global-setup.ts'],
    // Real processes on a shared 2-core machine, and npm installs in the Node matrix.
    testTimeout: 60_000,
    hookTimeout: 360_000,
  },
});
