/**
 * Bug: strips whitespace and punctuation but keeps symbols and emoji, so "👍" and "🎉" differ and
 * "$5" is not an anagram of "5".
 * Violates: ignores-everything-else
 * Rejected by: ignores-non-alphanumerics, combining-marks, permutation-invariance, matches-model
 */
export function isAnagram(a: string, b: string): boolean {
  requireString(a, 'a');
  requireString(b, 'b');
  return key(a) === key(b);
}

function key(text: string): string {
  const folded = fold(text);
  return [...folded.replace(/[\s\p{P}]/gu, '').matchAll(/\P{M}\p{M}*/gu)]
    .map(([character]) => character)
    .sort()
    .join('\u0000');
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
