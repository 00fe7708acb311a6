import { defineConfig } from 'vitest/config';

// The project's own suite: harness unit tests and every kata's gallery proof.
export default defineConfig({
  test: {
    include: ['harness/**/*.test.ts', 'solutions/*/*.test.ts'],
    benchmark: { include: ['solutions/*/*.bench.ts', 'harness/**/*.bench.ts'] },
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
