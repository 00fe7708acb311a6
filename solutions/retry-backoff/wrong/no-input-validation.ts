/**
 * Bug: clamps bad numbers into range instead of rejecting them: maxAttempts 0 becomes 1, 2.5
 * becomes 3, a negative delay 0 and a factor of 0.5 becomes 1. The typo in the configuration
 * survives into production, where nobody reads it.
 * Violates: rejects-bad-options
 * Rejected by: rejects-bad-input
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

const clamp = (value: number | undefined, min: number, round = false): number | undefined =>
  typeof value !== 'number' || Number.isNaN(value) || !Number.isFinite(value)
    ? value
    : Math.max(min, round ? Math.ceil(value) : value);

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const baseDelayMs = clamp(options.baseDelayMs, 0);
  return correctRetry(fn, {
    ...options,
    maxAttempts: clamp(options.maxAttempts, 1, true),
    baseDelayMs,
    maxDelayMs: clamp(options.maxDelayMs, baseDelayMs ?? 0),
    factor: clamp(options.factor, 1),
  });
}
