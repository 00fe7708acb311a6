import { afterEach, describe, expect, test } from 'vitest';
import {
  parseRunsFactor,
  parseSeed,
  RUNS_FACTOR_ENV,
  runsFactor,
  SEED_ENV,
  SEED_SALT_ENV,
  seedForCheck,
  seedFrom,
} from './seed.ts';

describe('seeds', () => {
  afterEach(() => {
    delete process.env[SEED_ENV];
    delete process.env[SEED_SALT_ENV];
    delete process.env[RUNS_FACTOR_ENV];
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

  test('a salt gives every check a new seed, the same for the same salt', () => {
    const fixed = seedForCheck('anagram', 'symmetry');
    process.env[SEED_SALT_ENV] = 'run-1';
    const salted = seedForCheck('anagram', 'symmetry');
    expect(salted).not.toBe(fixed);
    expect(seedForCheck('anagram', 'symmetry')).toBe(salted);
    process.env[SEED_SALT_ENV] = 'run-2';
    expect(seedForCheck('anagram', 'symmetry')).not.toBe(salted);
  });

  test('KATA_SEED wins over a salt', () => {
    process.env[SEED_SALT_ENV] = 'run-1';
    process.env[SEED_ENV] = '7';
    expect(seedForCheck('anagram', 'symmetry')).toBe(7);
  });

  test('the runs factor defaults to 1 and is read from KATA_RUNS_FACTOR', () => {
    expect(runsFactor()).toBe(1);
    process.env[RUNS_FACTOR_ENV] = '3';
    expect(runsFactor()).toBe(3);
    expect(() => parseRunsFactor('0', '--runs')).toThrow('--runs must be an integer from 1 to 10, received "0"');
  });

  test('rejects a seed that is not a 32-bit integer, naming where it came from', () => {
    expect(() => parseSeed('1.5', '--seed')).toThrow('--seed must be a 32-bit integer, received "1.5"');
    expect(() => parseSeed(String(2 ** 31), '--seed')).toThrow('--seed must be a 32-bit integer');
    expect(() => parseSeed(' ', '--seed')).toThrow('--seed must be a 32-bit integer');
  });
});
