/**
 * Bug: decomposes and throws the combining marks away, a common "accent-insensitive" trick. It
 * makes "é" the same letter as "e" and "q" with a tilde the same as "q".
 * Rejected by: combining-marks
 */
export function isAnagram(a: string, b: string): boolean {
  return key(a) === key(b);
}

function key(text: string): string {
  if (typeof text !== 'string') throw new TypeError(`expected a string, received ${typeof text}`);
  const folded = text.toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ');
  return [...folded.normalize('NFD').replace(/\p{M}/gu, '')]
    .filter((character) => /^[\p{L}\p{Nd}]$/u.test(character))
    .sort()
    .join('\u0000');
}
