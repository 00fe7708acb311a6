/**
 * Bug: writes equal jitter as ceiling / 2 + random × ceiling (the random half forgot its / 2),
 * capped. Delays run from half the ceiling to one and a half times it, so the cap cuts the upper
 * half flat and many callers land on it together.
 * Violates: delay-equal
 * Rejected by: equal-jitter-formula, retry-model
 */
import { RetryCall, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override backoffDelay(attempt: number): number {
    if (this.settings.jitter !== 'equal') return super.backoffDelay(attempt);
    const { baseDelayMs, maxDelayMs, factor, random } = this.settings;
    const ceiling = baseDelayMs === 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * factor ** (attempt - 1));
    return Math.min(maxDelayMs, ceiling / 2 + random() * ceiling);
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
