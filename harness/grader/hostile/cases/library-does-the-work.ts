/** Hostile: leaves the kata's work to a library the grader does not provide (a retry library in the retrier kata). */
import pRetry from 'p-retry';

export async function tally(words: readonly string[]): Promise<Map<string, number>> {
  return pRetry(() => new Map(words.map((word) => [word, 1])), { retries: 1 });
}
