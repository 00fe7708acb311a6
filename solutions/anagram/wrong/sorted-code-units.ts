/**
 * Bug: the classic one-liner. It lower-cases, strips everything that is not a letter or digit and
 * sorts UTF-16 code units, without normalising first: a decomposed "é" loses its accent (the
 * combining mark is stripped as a non-letter) while a composed one keeps it, so the same word in
 * two normalization forms is not an anagram of itself.
 * Rejected by: normalization-forms, normalization-invariance
 */
export function isAnagram(a: string, b: string): boolean {
  const key = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^\p{L}\p{Nd}]/gu, '')
      .split('')
      .sort()
      .join('');
  return key(a) === key(b);
}
