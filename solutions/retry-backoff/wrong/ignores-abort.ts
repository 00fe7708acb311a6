/**
 * Bug: never looks at the AbortSignal. A request the client gave up on keeps sleeping and keeps
 * calling the service, and the caller's shutdown waits for every pending retry.
 * Rejected by: abort-stops-at-once
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return correctRetry(fn, { ...options, signal: undefined });
}
