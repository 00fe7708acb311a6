/** Leak: an inline snapshot of the target's text, which vitest writes into this very file. */
import { expect, test } from 'vitest';
import { clamp } from '../../hostile/fixture/clamp/stub.ts';

test('clamp(-1, 0, 10) is 0', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
test('snapshots the source inline', () => {
  expect(String(clamp)).toMatchInlineSnapshot();
});
