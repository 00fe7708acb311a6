/**
 * Bug: counts into a 36-slot table for a-z and 0-9 and skips everything else, so every letter
 * outside ASCII is ignored: "é" and "è" look like anagrams, and so do "кот" and "кит".
 * Violates: letters-and-digits-count
 * Rejected by: non-ascii-letters, one-change-breaks-it, matches-model, matches-model-any-text
 */
export function isAnagram(a: string, b: string): boolean {
  requireString(a, 'a');
  requireString(b, 'b');
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

function requireString(value: unknown, name: string): void {
  if (typeof value !== 'string') {
    const received = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    throw new TypeError(`isAnagram: argument "${name}" must be a string, received ${received}`);
  }
}
