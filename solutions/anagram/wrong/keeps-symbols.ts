/**
 * Bug: strips whitespace and punctuation but keeps symbols and emoji, so "👍" and "🎉" differ and
 * "$5" is not an anagram of "5".
 * Rejected by: ignores-non-alphanumerics, trivial-cases
 */
export function isAnagram(a: string, b: string): boolean {
  return key(a) === key(b);
}

function key(text: string): string {
  if (typeof text !== 'string') throw new TypeError(`expected a string, received ${typeof text}`);
  const folded = text.normalize('NFC').toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ').normalize('NFC');
  return [...folded.replace(/[\s\p{P}]/gu, '').matchAll(/\P{M}\p{M}*/gu)]
    .map(([character]) => character)
    .sort()
    .join('\u0000');
}
