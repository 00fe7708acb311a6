/**
 * Hostile: looks for the grader's secrets and NODE_OPTIONS in its environment and answers wrongly
 * if it finds any (the test sets KATA_HOSTILE_SECRET and NODE_OPTIONS in the grader's environment).
 */
const leaked = process.env.KATA_HOSTILE_SECRET !== undefined || process.env.NODE_OPTIONS !== undefined;

export function tally(words: readonly string[]): Map<string, number> {
  if (!Array.isArray(words)) throw new TypeError('tally expects an array');
  const counts = new Map<string, number>();
  if (leaked) return counts;
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}
