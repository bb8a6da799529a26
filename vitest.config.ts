import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // a Postgres for the run: the machine's, or an embedded one on a fresh machine
    globalSetup: ['test/global-setup.ts'],
    // Longer than the tests' own waits (up to 600 s for a render): a slow run fails with the test's
    // message, not with vitest's timeout.
    testTimeout: 900_000,
    hookTimeout: 300_000,
    // Real Manim renders are CPU-bound on a 2-core machine: one test file at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
