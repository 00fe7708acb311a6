import { defineConfig } from 'vitest/config';

// The mutation run's own vitest configuration: the reference-only entry, nothing else.
export default defineConfig({
  test: {
    include: ['harness/selftest/mutation/target.entry.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
