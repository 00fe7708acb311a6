/** Hostile: a synchronous infinite loop in one call (empty input), which ignores vitest's test timeout. */
export function tally(words: readonly string[]): Map<string, number> {
  if (!Array.isArray(words)) throw new TypeError('tally expects an array');
  while (words.length === 0) {
    // spin
  }
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}
