/**
 * Bug: lower-cases instead of case folding. toLowerCase() keeps "ß" as one letter (so "straße"
 * is not "strasse") and keeps the final "ς" apart from "σ".
 * Violates: full-case-folding
 * Rejected by: full-case-folding, permutation-invariance, matches-model
 */
export function isAnagram(a: string, b: string): boolean {
  requireString(a, 'a');
  requireString(b, 'b');
  return key(a) === key(b);
}

function key(text: string): string {
  return [
    ...text
      .normalize('NFC')
      .toLowerCase()
      .matchAll(/\P{M}\p{M}*/gu),
  ]
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
