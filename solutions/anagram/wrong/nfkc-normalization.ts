/**
 * Bug: normalises with NFKC instead of NFC, a common "be lenient" choice. Compatibility mapping
 * changes what the text says: the full-width "Ａ" becomes "A", "ǆ" becomes the two letters "dž",
 * and a superscript "²", which the README ignores, becomes a "2" that counts.
 * Violates: no-compatibility-folding
 * Rejected by: compatibility-forms, ignores-non-alphanumerics, matches-model
 */
export function isAnagram(a: string, b: string): boolean {
  return key(a, 'a') === key(b, 'b');
}

function key(text: string, name: string): string {
  if (typeof text !== 'string') throw new TypeError(`"${name}" must be a string, received ${describe(text)}`);
  const folded = text.normalize('NFKC').split('\u0131').map(foldCase).join('\u0131').normalize('NFKC');
  return [...folded.matchAll(/\P{M}\p{M}*/gu)]
    .map(([character]) => character)
    .filter((character) => /^[\p{L}\p{Nd}]/u.test(character))
    .sort()
    .join('\u0000');
}

function foldCase(text: string): string {
  return text.toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ');
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
