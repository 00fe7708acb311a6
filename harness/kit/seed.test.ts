import { afterEach, describe, expect, test } from 'vitest';
import { parseSeed, SEED_ENV, seedForCheck, seedFrom } from './seed.ts';

describe('seeds', () => {
  afterEach(() => {
    delete process.env[SEED_ENV];
  });

  test('derives the same 32-bit seed from the same check every time', () => {
    expect(seedForCheck('anagram', 'symmetry')).toBe(seedFrom('anagram:symmetry'));
    expect(Number.isInteger(seedFrom('x'))).toBe(true);
    expect(Math.abs(seedFrom('anagram:symmetry'))).toBeLessThan(2 ** 31);
  });

  test('gives different checks different seeds', () => {
    expect(seedForCheck('anagram', 'symmetry')).not.toBe(seedForCheck('anagram', 'permutation-invariance'));
  });

  test('lets KATA_SEED override every check', () => {
    process.env[SEED_ENV] = '-42';
    expect(seedForCheck('anagram', 'symmetry')).toBe(-42);
  });

  test('rejects a seed that is not a 32-bit integer, naming where it came from', () => {
    expect(() => parseSeed('1.5', '--seed')).toThrow('--seed must be a 32-bit integer, received "1.5"');
    expect(() => parseSeed(String(2 ** 31), '--seed')).toThrow('--seed must be a 32-bit integer');
  });
});
