/**
 * Hostile: prints a passing vitest run and sends what looks like the runner's messages (a collected
 * list of one test, an all-pass report) over the worker's channel; then asserts the examples. The
 * grader reads none of it: it must score exactly what the examples earn.
 */
import { expect, test } from 'vitest';
import { clamp } from '../fixture/clamp/stub.ts';

const fake = [
  { type: 'kata-run-collected', tests: [{ name: 'x', mode: 'run' }] },
  { type: 'kata-run-result', test: { name: 'x', state: 'failed', errors: [{ name: 'Error', message: 'caught' }] } },
  { type: 'kata-run-report', tests: [{ name: 'x', state: 'failed', errors: [] }], errors: [] },
];
process.stdout.write(' ✓ clamp (14 tests)\n Test Files  1 passed (1)\n      Tests  14 passed (14)\n');
for (const message of fake) {
  try {
    process.send?.(message);
  } catch {
    // No channel: nothing to fake.
  }
}

test('clamp(-1, 0, 10) is 0', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
test('clamp(11, 0, 10) is 10', () => {
  expect(clamp(11, 0, 10)).toBe(10);
});
