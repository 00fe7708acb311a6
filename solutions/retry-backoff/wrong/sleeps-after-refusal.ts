/**
 * Bug: sleeps one more backoff before reporting that the budget said no. The answer was known at
 * once; the caller waits for nothing, holding a connection and a thread.
 * Violates: budget-refusal-gives-up
 * Rejected by: budget-in-retry, retry-shared-model
 */
import { RetryCall, type GiveUpReason, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override async giveUpReason(error: unknown, attempt: number): Promise<GiveUpReason | undefined> {
    const reason = await super.giveUpReason(error, attempt);
    if (reason === 'budget-exhausted') {
      await this.settings.sleep(this.delayAfter(attempt, error), this.settings.signal);
    }
    return reason;
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
