/** A candidate suite that tests every rule of the clamp fixture: it catches the whole gallery. */
import { describe, expect, test } from 'vitest';
import { clamp } from '../fixture/clamp/stub.ts';

describe('clamp', () => {
  test('keeps values inside the bounds, bounds and fractions included', () => {
    expect(clamp(0, 0, 10)).toBe(0);
    expect(clamp(2.5, 0, 10)).toBe(2.5);
    expect(clamp(10, 0, 10)).toBe(10);
  });
  test('raises values below min to min', () => {
    expect(clamp(-1, 0, 10)).toBe(0);
  });
  test('lowers values above max to max', () => {
    expect(clamp(11, 0, 10)).toBe(10);
  });
  test('returns the bound when min equals max', () => {
    expect(clamp(7, 3, 3)).toBe(3);
  });
  test('rejects min greater than max', () => {
    expect(() => clamp(1, 5, 0)).toThrow(RangeError);
  });
  test.each([
    [Number.NaN, 0, 1],
    [0, Number.NaN, 1],
    [0, 0, Number.NaN],
  ])('rejects NaN: clamp(%s, %s, %s)', (value, min, max) => {
    expect(() => clamp(value, min, max)).toThrow(RangeError);
  });
});
