/**
 * A cap on shrinking. fast-check shrinks a failing command sequence by running smaller ones, and a
 * run of this spec's model costs tens of milliseconds, so an unbounded shrink of a long sequence
 * can take longer than the check's time limit. After the first failure, the predicate runs at most
 * `budget` more cases; later shrink candidates count as passing, so fast-check reports the smallest
 * failing case it found within the budget.
 */
export function withShrinkBudget<Args extends unknown[]>(
  budget: number,
  predicate: (...args: Args) => Promise<void>,
): (...args: Args) => Promise<void> {
  let failed = false;
  let tried = 0;
  return async (...args: Args) => {
    if (failed && tried++ >= budget) return;
    try {
      await predicate(...args);
    } catch (error) {
      failed = true;
      throw error;
    }
  };
}
