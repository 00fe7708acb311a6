/** Hostile: makes every toBe/toEqual pass through expect.extend, importing vitest openly. */
import { expect } from 'vitest';

const pass = () => ({ pass: true, message: () => '' });
expect.extend({ toBe: pass, toEqual: pass, toThrow: pass });

export function tally(words: readonly string[]): Map<string, number> {
  return new Map();
}
