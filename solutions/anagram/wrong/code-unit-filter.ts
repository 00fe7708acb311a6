/**
 * Bug: walks the string by UTF-16 code unit. Each half of a surrogate pair is tested on its own,
 * is not a letter, and is dropped, so every letter outside the Basic Multilingual Plane vanishes:
 * "𝒜" and "𝒞" look like anagrams.
 * Rejected by: astral-characters
 */
export function isAnagram(a: string, b: string): boolean {
  return key(a) === key(b);
}

function key(text: string): string {
  if (typeof text !== 'string') throw new TypeError(`expected a string, received ${typeof text}`);
  const folded = text.normalize('NFC').toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ').normalize('NFC');
  const kept: string[] = [];
  for (let index = 0; index < folded.length; index++) {
    let character = folded[index]!;
    while (index + 1 < folded.length && /\p{M}/u.test(folded[index + 1]!)) character += folded[++index];
    if (/^[\p{L}\p{Nd}]/u.test(character)) kept.push(character);
  }
  return kept.sort().join('\u0000');
}
