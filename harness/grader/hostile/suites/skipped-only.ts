/** A suite whose every test is skipped: it proves nothing, and is an error, never a pass. */
import { expect, test } from 'vitest';
import { clamp } from '../fixture/clamp/stub.ts';

test.skip('clamp(-1, 0, 10) is 0', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
test.todo('rejects NaN');
