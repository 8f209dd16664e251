import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the service before the tests start it when vitest runs on its own; under turbo the
    // package's build has already run (a no-op here then).
    globalSetup: ['./test/global-setup.ts'],
    // One file at a time: the soak test measures heap growth under load and must not share
    // this 2-core machine with the other test files' services.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
