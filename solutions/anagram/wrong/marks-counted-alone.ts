/**
 * Bug: counts code points instead of characters, dropping the ones that are not letters or digits.
 * Astral letters survive (for...of walks code points), but a combining mark is counted on its own,
 * apart from its letter, so "q̃a" and "ãq" use "the same" q, a and tilde and pass for anagrams.
 * Violates: marks-belong-to-base
 * Rejected by: combining-marks
 */
export function isAnagram(a: string, b: string): boolean {
  return key(a, 'a') === key(b, 'b');
}

function key(text: string, name: string): string {
  if (typeof text !== 'string') throw new TypeError(`"${name}" must be a string, received ${describe(text)}`);
  const folded = text.normalize('NFC').split('\u0131').map(foldCase).join('\u0131').normalize('NFC');
  const kept: string[] = [];
  let counting = false;
  for (const codePoint of folded) {
    // A mark counts when its base does; everything else is judged on its own.
    if (/\p{M}/u.test(codePoint)) {
      if (counting) kept.push(codePoint);
      continue;
    }
    counting = /[\p{L}\p{Nd}]/u.test(codePoint);
    if (counting) kept.push(codePoint);
  }
  return kept.sort().join('\u0000');
}

function foldCase(text: string): string {
  return text.toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ');
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
