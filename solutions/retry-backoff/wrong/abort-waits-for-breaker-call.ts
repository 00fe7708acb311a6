/**
 * Bug: races fn's promise against the abort only when there is no breaker; an attempt made
 * through breaker.execute is awaited as is, so an aborted request hangs for as long as the
 * gateway takes to answer.
 * Violates: abort-during-call
 * Rejected by: abort-stops-at-once
 */
import { RetryCall, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override waitForAttempt(work: T | Promise<T>): T | Promise<T> {
    return this.settings.breaker ? work : super.waitForAttempt(work);
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
