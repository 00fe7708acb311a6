/**
 * Bug: calls the service once and reports its failure whatever maxAttempts says. With a payment
 * gateway failing half the time, half the subscriptions fail although a second attempt would have
 * gone through.
 * Violates: max-attempts-counts-calls
 * Rejected by: retries-until-success, max-attempts-counts-calls
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return correctRetry(fn, { ...options, maxAttempts: 1 });
}
