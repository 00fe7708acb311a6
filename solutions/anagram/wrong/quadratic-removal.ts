/**
 * Bug: for each character of `a`, deletes its first match from `b` with String.replace. Every
 * replace copies the rest of `b`, so the whole check is quadratic: instant on a word, minutes on
 * a megabyte.
 * Rejected by: linear-time
 */
export function isAnagram(a: string, b: string): boolean {
  let remaining = characters(b).join('\u0000') + '\u0000';
  for (const character of characters(a)) {
    const needle = character + '\u0000';
    if (!remaining.includes(needle)) return false;
    remaining = remaining.replace(needle, '');
  }
  return remaining === '';
}

function characters(text: string): string[] {
  if (typeof text !== 'string') throw new TypeError(`expected a string, received ${typeof text}`);
  const folded = text.normalize('NFC').toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ').normalize('NFC');
  return [...folded.matchAll(/\P{M}\p{M}*/gu)].map(([character]) => character).filter((c) => /^[\p{L}\p{Nd}]/u.test(c));
}
