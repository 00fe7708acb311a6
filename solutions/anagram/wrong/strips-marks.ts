/**
 * Bug: decomposes and throws the combining marks away, a common "accent-insensitive" trick. It
 * makes "é" the same letter as "e" and "q" with a tilde the same as "q".
 * Violates: marks-belong-to-base
 * Rejected by: combining-marks, non-ascii-letters, matches-model
 */
export function isAnagram(a: string, b: string): boolean {
  requireString(a, 'a');
  requireString(b, 'b');
  return key(a) === key(b);
}

function key(text: string): string {
  const folded = text
    .split('\u0131')
    .map((part) => part.toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ'))
    .join('\u0131');
  return [...folded.normalize('NFD').replace(/\p{M}/gu, '')]
    .filter((character) => /^[\p{L}\p{Nd}]$/u.test(character))
    .sort()
    .join('\u0000');
}

function requireString(value: unknown, name: string): void {
  if (typeof value !== 'string') {
    const received = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    throw new TypeError(`isAnagram: argument "${name}" must be a string, received ${received}`);
  }
}
