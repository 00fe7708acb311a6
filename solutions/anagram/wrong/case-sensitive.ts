/**
 * Bug: never folds case, so "Dormitory" and "dirty room" differ by their capital D.
 * Violates: case-insensitive
 * Rejected by: case-insensitive, classic-examples, full-case-folding, matches-model, matches-model-any-text
 */
export function isAnagram(a: string, b: string): boolean {
  requireString(a, 'a');
  requireString(b, 'b');
  return key(a) === key(b);
}

function key(text: string): string {
  return [...text.normalize('NFC').matchAll(/\P{M}\p{M}*/gu)]
    .map(([character]) => character)
    .filter((character) => /^[\p{L}\p{Nd}]/u.test(character))
    .sort()
    .join('\u0000');
}

function requireString(value: unknown, name: string): void {
  if (typeof value !== 'string') {
    const received = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    throw new TypeError(`isAnagram: argument "${name}" must be a string, received ${received}`);
  }
}
