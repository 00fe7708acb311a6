/**
 * Bug: feeds the delay actually slept back into decorrelated jitter, Retry-After included. One 60
 * s hint makes every later delay start from 3 × 60 s, long after the server stopped asking for
 * patience.
 * Violates: delay-decorrelated
 * Rejected by: honours-retry-after
 */
import { RetryCall, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override delayAfter(attempt: number, error: unknown): number {
    const delay = super.delayAfter(attempt, error);
    if (this.settings.jitter === 'decorrelated') this.previousDelay = delay;
    return delay;
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
