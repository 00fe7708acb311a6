/**
 * Bug: converts whatever it is given with String(), so isAnagram(42, "24") answers true and
 * isAnagram(undefined, "a") quietly compares the word "undefined" instead of reporting the bug.
 * Violates: rejects-non-strings
 * Rejected by: rejects-non-strings
 */
export function isAnagram(a: string, b: string): boolean {
  return key(String(a)) === key(String(b));
}

function key(text: string): string {
  const folded = fold(text);
  return [...folded.matchAll(/\P{M}\p{M}*/gu)]
    .map(([character]) => character)
    .filter((character) => /^[\p{L}\p{Nd}]/u.test(character))
    .sort()
    .join('\u0000');
}

/** Full case folding: upper-then-lower gets every letter right but the dotless "ı", kept as it is. */
function fold(text: string): string {
  return text
    .normalize('NFC')
    .split('\u0131')
    .map((part) => part.toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ'))
    .join('\u0131')
    .normalize('NFC');
}
