/**
 * Bug: never folds case, so "Dormitory" and "dirty room" differ by their capital D.
 * Rejected by: case-insensitive, classic-examples
 */
export function isAnagram(a: string, b: string): boolean {
  return key(a) === key(b);
}

function key(text: string): string {
  if (typeof text !== 'string') throw new TypeError(`expected a string, received ${typeof text}`);
  return [...text.normalize('NFC').matchAll(/\P{M}\p{M}*/gu)]
    .map(([character]) => character)
    .filter((character) => /^[\p{L}\p{Nd}]/u.test(character))
    .sort()
    .join('\u0000');
}
