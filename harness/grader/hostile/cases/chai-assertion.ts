/** Hostile: disables chai's Assertion.prototype.assert, which every vitest matcher reports through. */
const framework = ['vi', 'test'].join('');
const { chai } = (await import(framework)) as typeof import('vitest');

chai.Assertion.prototype.assert = function assert(): void {
  // Never fails.
};

export function tally(words: readonly string[]): Map<string, number> {
  return new Map();
}
