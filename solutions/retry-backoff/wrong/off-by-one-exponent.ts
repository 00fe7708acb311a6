/**
 * Bug: computes the ceiling as base × factor^attempt, as a literal reading of the deep dive's
 * "delay = 2^attempts × seconds" does after incrementing attempts first, so the very first retry
 * already waits base × factor and every delay is one step late.
 * Violates: delay-ceiling
 * Rejected by: exponential-delays, retry-model
 */
import { RetryCall, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override backoffDelay(attempt: number): number {
    return this.settings.jitter === 'decorrelated' ? super.backoffDelay(attempt) : super.backoffDelay(attempt + 1);
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
