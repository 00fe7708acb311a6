/**
 * Bug: the classic loop that sleeps after every failure, the last one included. The caller waits
 * one more (and the longest) backoff for an answer that was already final.
 * Violates: no-sleep-after-last-attempt
 * Rejected by: no-sleep-after-last-attempt, retry-model
 */
import { RetryCall, type GiveUpReason, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override async giveUpReason(error: unknown, attempt: number): Promise<GiveUpReason | undefined> {
    const reason = await super.giveUpReason(error, attempt);
    if (reason === 'attempts-exhausted') {
      await this.settings.sleep(this.delayAfter(attempt, error), this.settings.signal);
    }
    return reason;
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
