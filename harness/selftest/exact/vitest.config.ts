import { defineConfig } from 'vitest/config';

// The gallery:exact run's own vitest configuration: the audit entry, nothing else. The audit runs
// every check against wrong files on purpose, so what they leak (unhandled rejections) is expected.
export default defineConfig({
  test: {
    include: ['harness/selftest/exact/audit.entry.ts'],
    testTimeout: 0,
    dangerouslyIgnoreUnhandledErrors: true,
  },
});
