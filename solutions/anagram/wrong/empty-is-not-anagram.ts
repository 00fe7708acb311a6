/**
 * Bug: treats "no letters" as bad input and answers false, so "" is not an anagram of "" and
 * "!!!" is not an anagram of "...".
 * Rejected by: trivial-cases
 */
export function isAnagram(a: string, b: string): boolean {
  const left = key(a);
  const right = key(b);
  if (left === '' || right === '') return false;
  return left === right;
}

function key(text: string): string {
  if (typeof text !== 'string') throw new TypeError(`expected a string, received ${typeof text}`);
  const folded = text.normalize('NFC').toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ').normalize('NFC');
  return [...folded.matchAll(/\P{M}\p{M}*/gu)]
    .map(([character]) => character)
    .filter((character) => /^[\p{L}\p{Nd}]/u.test(character))
    .sort()
    .join('\u0000');
}
