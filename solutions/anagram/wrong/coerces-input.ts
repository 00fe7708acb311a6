/**
 * Bug: converts whatever it is given with String(), so isAnagram(42, "24") answers true and
 * isAnagram(undefined, "a") quietly compares the word "undefined" instead of reporting the bug.
 * Rejected by: rejects-non-strings
 */
export function isAnagram(a: string, b: string): boolean {
  return key(String(a)) === key(String(b));
}

function key(text: string): string {
  const folded = text.normalize('NFC').toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ').normalize('NFC');
  return [...folded.matchAll(/\P{M}\p{M}*/gu)]
    .map(([character]) => character)
    .filter((character) => /^[\p{L}\p{Nd}]/u.test(character))
    .sort()
    .join('\u0000');
}
