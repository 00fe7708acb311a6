/** A candidate suite that asserts the README's examples and nothing else. */
import { expect, test } from 'vitest';
import { clamp } from '../fixture/clamp/stub.ts';

test('clamp(5, 0, 10) is 5', () => {
  expect(clamp(5, 0, 10)).toBe(5);
});
test('clamp(-1, 0, 10) is 0', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
test('clamp(11, 0, 10) is 10', () => {
  expect(clamp(11, 0, 10)).toBe(10);
});
