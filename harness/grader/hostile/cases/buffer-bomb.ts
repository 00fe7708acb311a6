/** Hostile: allocates Buffers (off the JavaScript heap, which --max-old-space-size does not cap) in one call. */
const hoard: Buffer[] = [];

export function tally(words: readonly string[]): Map<string, number> {
  if (!Array.isArray(words)) throw new TypeError('tally expects an array');
  while (words.length === 0) hoard.push(Buffer.alloc(64 * 1024 * 1024, 1));
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}
