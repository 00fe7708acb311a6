/** Hostile: kills the process that runs vitest (the worker's parent) in one call (empty input). */
export function tally(words: readonly string[]): Map<string, number> {
  if (!Array.isArray(words)) throw new TypeError('tally expects an array');
  if (words.length === 0) process.kill(process.ppid, 'SIGKILL');
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}
