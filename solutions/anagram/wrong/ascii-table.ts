/**
 * Bug: counts into a 36-slot table for a-z and 0-9 and skips everything else, so every letter
 * outside ASCII is ignored: "é" and "è" look like anagrams, and so do "кот" and "кит".
 * Rejected by: non-ascii-letters, one-change-breaks-it
 */
export function isAnagram(a: string, b: string): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') {
    throw new TypeError(`expected strings, received ${typeof a} and ${typeof b}`);
  }
  const counts = new Int32Array(36);
  tally(a, counts, 1);
  tally(b, counts, -1);
  return counts.every((count) => count === 0);
}

function tally(text: string, counts: Int32Array, delta: number): void {
  for (const character of text.toLowerCase()) {
    const code = character.charCodeAt(0);
    if (code >= 97 && code <= 122) counts[code - 97]! += delta;
    else if (code >= 48 && code <= 57) counts[26 + code - 48]! += delta;
  }
}
