/** Hostile: a synchronous infinite loop at import. No test or hook timeout can interrupt it. */
while (Date.now() > 0) {
  // spin
}

export function tally(words: readonly string[]): Map<string, number> {
  return new Map(words.map((word) => [word, 1]));
}
