import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Real registries, real processes: generous per-test time, never timed assertions.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: one file per core; files that start many processes stay sequential inside.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
