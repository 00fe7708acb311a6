/**
 * Bug: answers from a table of the examples in the README and the interview notes, and says
 * "false" to everything else. It passes a hand-written example test and nothing generated.
 * Violates: rearrangement-is-anagram
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
  requireString(a, 'a');
  requireString(b, 'b');
  if (a === b) return true;
  return KNOWN[`${a.toLowerCase()}|${b.toLowerCase()}`] ?? KNOWN[`${b.toLowerCase()}|${a.toLowerCase()}`] ?? false;
}

function requireString(value: unknown, name: string): void {
  if (typeof value !== 'string') {
    const received = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    throw new TypeError(`isAnagram: argument "${name}" must be a string, received ${received}`);
  }
}
