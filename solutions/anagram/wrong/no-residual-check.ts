/**
 * Bug: counts the characters of `a`, then for each character of `b` fails only when a count goes
 * below zero. Characters of `a` left over at the end are never checked, so "abc" and "ab" pass.
 * Rejected by: extra-letters, symmetry
 */
export function isAnagram(a: string, b: string): boolean {
  const counts = new Map<string, number>();
  for (const character of characters(a)) counts.set(character, (counts.get(character) ?? 0) + 1);
  for (const character of characters(b)) {
    const left = (counts.get(character) ?? 0) - 1;
    if (left < 0) return false;
    counts.set(character, left);
  }
  return true;
}

function characters(text: string): string[] {
  if (typeof text !== 'string') throw new TypeError(`expected a string, received ${typeof text}`);
  const folded = text.normalize('NFC').toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ').normalize('NFC');
  return [...folded.matchAll(/\P{M}\p{M}*/gu)].map(([character]) => character).filter((c) => /^[\p{L}\p{Nd}]/u.test(c));
}
