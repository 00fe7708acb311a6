/**
 * Bug: for each character of `a`, deletes its first match from `b` with String.replace. Every
 * replace copies the rest of `b`, so the whole check is quadratic: instant on a word, minutes on
 * a megabyte.
 * Violates: linear-time
 * Rejected by: linear-time
 */
export function isAnagram(a: string, b: string): boolean {
  requireString(a, 'a');
  requireString(b, 'b');
  let remaining = characters(b)
    .map((character) => character + '\u0000')
    .join('');
  for (const character of characters(a)) {
    const needle = character + '\u0000';
    if (!remaining.includes(needle)) return false;
    remaining = remaining.replace(needle, '');
  }
  return remaining === '';
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
