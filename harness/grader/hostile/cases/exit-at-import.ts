/** Hostile: process.exit(0) at import, hoping an exit code of 0 reads as success. */
process.exit(0);

export function tally(words: readonly string[]): Map<string, number> {
  return new Map(words.map((word) => [word, 1]));
}
