/** Hostile: declares a test, then ends the process while its file is collected. */
import { expect, test } from 'vitest';
import { clamp } from '../fixture/clamp/stub.ts';

test('clamp(-1, 0, 10) is 0', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
process.exit(0);
