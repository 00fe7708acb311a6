/** Hostile: returns a promise that never settles for empty input. */
export function tally(words: readonly string[]): Map<string, number> {
  if (!Array.isArray(words)) throw new TypeError('tally expects an array');
  if (words.length === 0) return new Promise<never>(() => undefined) as unknown as Map<string, number>;
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}
