/**
 * Bug: answers from a table of the examples in the README and the interview notes, and says
 * "false" to everything else. It passes a hand-written example test and nothing generated.
 * Rejected by: permutation-invariance
 */
const KNOWN: Record<string, boolean> = {
  'listen|silent': true,
  'dormitory|dirty room': true,
  'the eyes|they see': true,
  'astronomer|moon starer': true,
  'hello|world': false,
};

export function isAnagram(a: string, b: string): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') throw new TypeError(`expected strings, received ${typeof a}`);
  if (a === b) return true;
  return KNOWN[`${a.toLowerCase()}|${b.toLowerCase()}`] ?? KNOWN[`${b.toLowerCase()}|${a.toLowerCase()}`] ?? false;
}
