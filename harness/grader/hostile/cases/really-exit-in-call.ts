/** Hostile: process.reallyExit(0) in one call (empty input): the test worker dies mid-check. */
export function tally(words: readonly string[]): Map<string, number> {
  if (!Array.isArray(words)) throw new TypeError('tally expects an array');
  if (words.length === 0) (process as unknown as { reallyExit(code: number): never }).reallyExit(0);
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}
