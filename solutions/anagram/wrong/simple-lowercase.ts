/**
 * Bug: lower-cases instead of case folding. toLowerCase() keeps "ß" as one letter (so "straße"
 * is not "strasse") and keeps the final "ς" apart from "σ".
 * Rejected by: full-case-folding
 */
export function isAnagram(a: string, b: string): boolean {
  return key(a) === key(b);
}

function key(text: string): string {
  if (typeof text !== 'string') throw new TypeError(`expected a string, received ${typeof text}`);
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
