/**
 * Bug: keeps characters matching \p{N} (every number) instead of \p{Nd} (decimal digits), so
 * superscripts, circled numbers, fractions and Roman numerals count as characters of their own:
 * "x²" is no longer an anagram of "x", and "Ⅻ" not one of "".
 * Violates: ignores-everything-else
 * Rejected by: ignores-non-alphanumerics, matches-model
 */
export function isAnagram(a: string, b: string): boolean {
  return key(a, 'a') === key(b, 'b');
}

function key(text: string, name: string): string {
  if (typeof text !== 'string') throw new TypeError(`"${name}" must be a string, received ${describe(text)}`);
  const folded = text.normalize('NFC').split('\u0131').map(foldCase).join('\u0131').normalize('NFC');
  return [...folded.matchAll(/\P{M}\p{M}*/gu)]
    .map(([character]) => character)
    .filter((character) => /^[\p{L}\p{N}]/u.test(character))
    .sort()
    .join('\u0000');
}

function foldCase(text: string): string {
  return text.toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ');
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
