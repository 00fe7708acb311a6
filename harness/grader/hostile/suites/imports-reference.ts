/** Hostile: imports the reference solution to compare against it: the import scan refuses it. */
import { expect, test } from 'vitest';
import { clamp } from '../fixture/clamp/stub.ts';
import { clamp as reference } from '../fixture/clamp/reference.ts';

test('agrees with the reference', () => {
  expect(clamp(3, 0, 1)).toBe(reference(3, 0, 1));
});
