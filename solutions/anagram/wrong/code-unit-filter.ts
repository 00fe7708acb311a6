/**
 * Bug: walks the string by UTF-16 code unit. Each half of a surrogate pair is tested on its own,
 * is not a letter, and is dropped, so every letter outside the Basic Multilingual Plane vanishes:
 * "𝒜" and "𝒞" look like anagrams.
 * Violates: astral-never-split
 * Rejected by: astral-characters, one-change-breaks-it
 */
export function isAnagram(a: string, b: string): boolean {
  requireString(a, 'a');
  requireString(b, 'b');
  return key(a) === key(b);
}

function key(text: string): string {
  const folded = fold(text);
  const kept: string[] = [];
  for (let index = 0; index < folded.length; index++) {
    let character = folded[index]!;
    while (index + 1 < folded.length && /\p{M}/u.test(folded[index + 1]!)) character += folded[++index];
    if (/^[\p{L}\p{Nd}]/u.test(character)) kept.push(character);
  }
  return kept.sort().join('\u0000');
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
