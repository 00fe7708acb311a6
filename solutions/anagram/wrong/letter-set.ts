/**
 * Bug: compares the sets of characters, not their counts, so "aab" and "abb" look like anagrams.
 * Rejected by: counts-repeated-letters, one-change-breaks-it
 */
export function isAnagram(a: string, b: string): boolean {
  const left = characters(a);
  const right = characters(b);
  return left.size === right.size && [...left].every((character) => right.has(character));
}

function characters(text: string): Set<string> {
  if (typeof text !== 'string') throw new TypeError(`expected a string, received ${typeof text}`);
  const folded = text.normalize('NFC').toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ').normalize('NFC');
  const found = new Set<string>();
  for (const [character] of folded.matchAll(/\P{M}\p{M}*/gu)) {
    if (/^[\p{L}\p{Nd}]/u.test(character)) found.add(character);
  }
  return found;
}
