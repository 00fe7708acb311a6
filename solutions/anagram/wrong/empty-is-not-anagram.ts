/**
 * Bug: treats "no letters" as bad input and answers false, so "" is not an anagram of "" and
 * "!!!" is not an anagram of "...".
 * Violates: no-letters-are-anagrams
 * Rejected by: trivial-cases, matches-model
 */
export function isAnagram(a: string, b: string): boolean {
  requireString(a, 'a');
  requireString(b, 'b');
  const left = key(a);
  const right = key(b);
  if (left === '' || right === '') return false;
  return left === right;
}

function key(text: string): string {
  const folded = fold(text);
  return [...folded.matchAll(/\P{M}\p{M}*/gu)]
    .map(([character]) => character)
    .filter((character) => /^[\p{L}\p{Nd}]/u.test(character))
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
