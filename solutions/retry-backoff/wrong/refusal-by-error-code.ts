/**
 * Bug: recognises a refusal by the error's code instead of by fn not having been called. An error
 * fn threw itself with code ERR_CIRCUIT_OPEN (a downstream service's own breaker) ends the retry
 * as 'circuit-open', and a transient failure two hops away is never retried.
 * Violates: breaker-refusal-gives-up
 * Rejected by: breaker-in-retry
 */
import { retry as correctRetry, RetryError, type RetryOptions } from '../index.ts';

export * from '../index.ts';

const looksRefused = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'ERR_CIRCUIT_OPEN';

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { shouldRetry } = options;
  try {
    return await correctRetry(fn, {
      ...options,
      shouldRetry: (error, attempt) =>
        looksRefused(error)
          ? false
          : shouldRetry
            ? shouldRetry(error, attempt)
            : (error as { retryable?: unknown } | null)?.retryable !== false,
    });
  } catch (error) {
    if (error instanceof RetryError && error.reason === 'not-retryable' && looksRefused(error.cause)) {
      throw new RetryError('circuit-open', error.attempts - 1, error.errors.slice(0, -1), error.cause);
    }
    throw error;
  }
}
