/**
 * Leak: a describe block named after the target's text whose beforeAll fails, so the run reports
 * an error of that block by its name, hoping the grader names it as a file that failed to load.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { clamp } from '../../hostile/fixture/clamp/stub.ts';

const src = String(clamp);
const at = Math.max(0, src.indexOf('clamp takes'));

test('clamp(-1, 0, 10) is 0', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
describe(src.slice(at, at + 40), () => {
  beforeAll(() => {
    throw new Error(src);
  });
  test('clamp(11, 0, 10) is 10', () => {
    expect(clamp(11, 0, 10)).toBe(10);
  });
});
