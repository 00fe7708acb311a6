/**
 * Bug: folds case, groups marks with their base and counts letters and digits, but never
 * normalises: a composed "é" and "e" + U+0301 are different characters to it, so the same word
 * typed on two keyboards is not an anagram of itself.
 * Violates: canonical-equivalence
 * Rejected by: normalization-forms, normalization-invariance, matches-model, matches-model-any-text
 */
export function isAnagram(a: string, b: string): boolean {
  return key(a, 'a') === key(b, 'b');
}

function key(text: string, name: string): string {
  if (typeof text !== 'string') throw new TypeError(`"${name}" must be a string, received ${describe(text)}`);
  const folded = text.split('\u0131').map(foldCase).join('\u0131');
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
