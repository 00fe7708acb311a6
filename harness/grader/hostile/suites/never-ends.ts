/** Hostile: a test that never ends and never yields. */
import { expect, test } from 'vitest';
import { clamp } from '../fixture/clamp/stub.ts';

test('clamp(-1, 0, 10) is 0', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
test('waits forever', () => {
  for (;;) {
    // Blocks the event loop: only the runner's own limit ends it.
  }
});
