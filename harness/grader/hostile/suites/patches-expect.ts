/** Hostile: makes every toBe and toThrow pass, so the suite "passes" whatever it runs against. */
import { expect, test } from 'vitest';
import { clamp } from '../fixture/clamp/stub.ts';

expect.extend({
  toBe: () => ({ pass: true, message: () => '' }),
  toThrow: () => ({ pass: true, message: () => '' }),
});

test('clamp(-1, 0, 10) is 0', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
