/** Hostile: throws while the module loads. */
throw new Error('boom at import');

export function tally(words: readonly string[]): Map<string, number> {
  return new Map(words.map((word) => [word, 1]));
}
