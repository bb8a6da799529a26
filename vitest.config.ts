import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Real Manim renders are CPU-bound on a 2-core machine: one test file at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
