/**
 * Bug: computes 2^(n − 1) with a bit shift when the factor is 2. After 32 failures `1 << 31` is
 * negative, so a worker that has been retrying for a day suddenly gets negative delays, which a
 * timer reads as 0: a tight loop against a service that is down.
 * Violates: delay-finite
 * Rejected by: delays-never-exceed-cap
 */
import { RetryCall, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override backoffDelay(attempt: number): number {
    const { baseDelayMs, maxDelayMs, factor, jitter, random } = this.settings;
    if (factor !== 2 || jitter === 'decorrelated') return super.backoffDelay(attempt);
    const ceiling = Math.min(maxDelayMs, baseDelayMs * (1 << (attempt - 1)));
    if (jitter === 'none') return ceiling;
    return jitter === 'full' ? random() * ceiling : ceiling / 2 + (random() * ceiling) / 2;
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
