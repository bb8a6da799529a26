import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // a Postgres for the run: the machine's, or an embedded one on a fresh machine
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Real Manim renders are CPU-bound on a 2-core machine: one test file at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
