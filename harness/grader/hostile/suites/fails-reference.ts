/** A candidate suite with a test of something the contract does not say: it fails on the reference. */
import { expect, test } from 'vitest';
import { clamp } from '../fixture/clamp/stub.ts';

test('raises values below min to min', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
test('rejects a value outside the bounds', () => {
  expect(() => clamp(11, 0, 10)).toThrow(RangeError);
});
