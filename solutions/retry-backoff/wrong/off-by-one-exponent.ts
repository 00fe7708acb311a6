/**
 * Bug: computes the ceiling as base × factor^attempt, as a literal reading of the deep dive's
 * "delay = 2^attempts × seconds" does after incrementing attempts first, so the very first
 * retry already waits base × factor and every delay is one step late.
 * Rejected by: exponential-delays, full-jitter-formula
 */
import { retry as correctRetry, RETRY_DEFAULTS, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const base = options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs;
  const factor = options.factor ?? RETRY_DEFAULTS.factor;
  const cap = options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs;
  return correctRetry(fn, { ...options, baseDelayMs: Math.min(cap, base * factor) });
}
