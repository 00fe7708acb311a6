/**
 * Bug: accepts a breaker option but calls fn directly. The breaker never sees a failure, never
 * opens, and every caller keeps hammering the service through the whole outage.
 * Violates: breaker-wraps-attempts
 * Rejected by: breaker-shields-service-in-outage, breaker-in-retry
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return correctRetry(fn, { ...options, breaker: undefined });
}
