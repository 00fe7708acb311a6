/** Hostile: process.reallyExit(0) at import, which skips vitest's process.exit guard and kills the worker. */
(process as unknown as { reallyExit(code: number): never }).reallyExit(0);

export function tally(words: readonly string[]): Map<string, number> {
  return new Map(words.map((word) => [word, 1]));
}
