/**
 * Hostile: while it is collected, rewrites the spec, the harness and the runner's own entry on disk,
 * in its run's tree and in the grader's tree (GRADER_ROOT), through a built-in the import scan cannot
 * see; then asserts the examples. It must score exactly what the examples earn.
 */
import { expect, test } from 'vitest';
import { clamp } from '../fixture/clamp/stub.ts';

const GRADER_ROOT = '__GRADER_ROOT__';
const fs = (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') }).getBuiltinModule('fs');
const here = new URL('.', import.meta.url).pathname;
for (const file of [
  `${here}spec.ts`,
  `${here}../../harness/kit/spec.ts`,
  `${here}../../harness/runner/mine.entry.ts`,
  `${GRADER_ROOT}/katas/clamp/spec.ts`,
  `${GRADER_ROOT}/harness/kit/spec.ts`,
  `${GRADER_ROOT}/harness/runner/register.ts`,
]) {
  try {
    fs.writeFileSync(file, 'export {};\n');
  } catch {
    // Read-only in a sandbox: nothing to do.
  }
}

test('clamp(-1, 0, 10) is 0', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
test('clamp(11, 0, 10) is 10', () => {
  expect(clamp(11, 0, 10)).toBe(10);
});
