import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests run in parallel; integration tests (real servers, real load)
// run one file at a time, because on two cores parallel load tests fight and flake.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
          // Vitest's default is one worker fewer than the cores: on a 2-core machine, one. The unit
          // files are CPU-bound and the main process mostly waits, so use every core. Unit tests keep
          // no state between files (no module mocks; env and spies restored), so files share a
          // worker's module graph instead of re-importing it for each file.
          maxWorkers: Math.max(2, availableParallelism()),
          isolate: false,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/build-once.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
