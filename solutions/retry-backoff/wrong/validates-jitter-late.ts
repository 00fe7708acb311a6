/**
 * Bug: checks the jitter name only when it first computes a delay, so a typo ('Full') is reported
 * after the first call has already gone out, and with a first success it is never reported at all.
 * Violates: bad-options-call-nothing
 * Rejected by: rejects-bad-input
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

const JITTERS: readonly unknown[] = ['none', 'full', 'equal', 'decorrelated', undefined];

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  if (typeof fn === 'function' && !JITTERS.includes(options.jitter)) {
    try {
      return await fn(1);
    } catch {
      // Only now does the jitter matter.
    }
  }
  return correctRetry(fn, options);
}
