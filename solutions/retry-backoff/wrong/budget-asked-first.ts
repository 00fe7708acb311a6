/**
 * Bug: asks the budget for a token before asking whether the error is worth retrying at all. Every
 * declined card and every last attempt spends a token that no retry uses, so the budget runs dry
 * for the callers who need it.
 * Violates: budget-acquire-per-retry
 * Rejected by: budget-in-retry, retry-shared-model
 */
import { RetryCall, type GiveUpReason, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override async giveUpReason(error: unknown, attempt: number): Promise<GiveUpReason | undefined> {
    const { budget, shouldRetry, maxAttempts } = this.settings;
    if (budget && !budget.tryAcquireRetry()) return 'budget-exhausted';
    if (!(await shouldRetry(error, attempt))) return 'not-retryable';
    return attempt >= maxAttempts ? 'attempts-exhausted' : undefined;
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
