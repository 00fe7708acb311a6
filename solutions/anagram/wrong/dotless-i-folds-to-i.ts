/**
 * Bug: folds case with toLowerCase().toUpperCase().toLowerCase() and nothing else. That is full
 * case folding for every letter but one: the dotless "ı" has no folding, yet upper-casing turns it
 * into "I" and so into "i", so the Turkish "kılık" is taken for an anagram of "kilik".
 * Violates: full-case-folding
 * Rejected by: full-case-folding
 */
export function isAnagram(a: string, b: string): boolean {
  return key(a, 'a') === key(b, 'b');
}

function key(text: string, name: string): string {
  if (typeof text !== 'string') throw new TypeError(`"${name}" must be a string, received ${describe(text)}`);
  const folded = text.normalize('NFC').toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ').normalize('NFC');
  return [...folded.matchAll(/\P{M}\p{M}*/gu)]
    .map(([character]) => character)
    .filter((character) => /^[\p{L}\p{Nd}]/u.test(character))
    .sort()
    .join('\u0000');
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
