/**
 * Bug: reports an error that was not retried as 'attempts-exhausted'. The caller's alerting cannot
 * tell "the card was declined" from "the gateway was down for five attempts", and pages someone
 * for a typo in a card number.
 * Violates: not-retried-gives-up
 * Rejected by: non-retryable-stops-at-once, retry-model
 */
import { RetryCall, type GiveUpReason, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override async giveUpReason(error: unknown, attempt: number): Promise<GiveUpReason | undefined> {
    const reason = await super.giveUpReason(error, attempt);
    return reason === 'not-retryable' ? 'attempts-exhausted' : reason;
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
