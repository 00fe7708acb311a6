/** Hostile: a test that ends the test process outright, so the tests after it never report. */
import { expect, test } from 'vitest';
import { clamp } from '../fixture/clamp/stub.ts';

test('clamp(-1, 0, 10) is 0', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
test('is done early', () => {
  (process as unknown as { reallyExit(code: number): never }).reallyExit(0);
});
test('clamp(11, 0, 10) is 10', () => {
  expect(clamp(11, 0, 10)).toBe(10);
});
