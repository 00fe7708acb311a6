/**
 * Bug: compares the sets of characters, not their counts, so "aab" and "abb" look like anagrams.
 * Violates: counts-each-occurrence
 * Rejected by: counts-repeated-letters, one-change-breaks-it
 */
export function isAnagram(a: string, b: string): boolean {
  requireString(a, 'a');
  requireString(b, 'b');
  const left = characters(a);
  const right = characters(b);
  return left.size === right.size && [...left].every((character) => right.has(character));
}

function characters(text: string): Set<string> {
  const folded = fold(text);
  const found = new Set<string>();
  for (const [character] of folded.matchAll(/\P{M}\p{M}*/gu)) {
    if (/^[\p{L}\p{Nd}]/u.test(character)) found.add(character);
  }
  return found;
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
