/**
 * Bug: counts the characters of `a`, then for each character of `b` fails only when a count goes
 * below zero. Characters of `a` left over at the end are never checked, so "abc" and "ab" pass.
 * Violates: counts-each-occurrence
 * Rejected by: extra-letters, symmetry, matches-model
 */
export function isAnagram(a: string, b: string): boolean {
  requireString(a, 'a');
  requireString(b, 'b');
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
  const folded = fold(text);
  return [...folded.matchAll(/\P{M}\p{M}*/gu)].map(([character]) => character).filter((c) => /^[\p{L}\p{Nd}]/u.test(c));
}

function requireString(value: unknown, name: string): void {
  if (typeof value !== 'string') {
    const received = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    throw new TypeError(`isAnagram: argument "${name}" must be a string, received ${received}`);
  }
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
