/** Leak: stores the target's text in a snapshot file (vitest writes a new one beside the test). */
import { expect, test } from 'vitest';
import { clamp } from '../../hostile/fixture/clamp/stub.ts';

test('clamp(-1, 0, 10) is 0', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
test('snapshots the source', () => {
  expect(String(clamp)).toMatchSnapshot();
});
