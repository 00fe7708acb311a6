/** Hostile: the same expect.extend trick, reaching vitest through an import whose name is computed at run time. */
const framework = ['vi', 'test'].join('');
const { expect } = (await import(framework)) as typeof import('vitest');

const pass = () => ({ pass: true, message: () => '' });
expect.extend({ toBe: pass, toEqual: pass, toThrow: pass });

export function tally(words: readonly string[]): Map<string, number> {
  return new Map();
}
