/**
 * Bug: gives up by rethrowing the last attempt's error, as p-retry does. The caller cannot tell
 * "failed once, not retryable" from "failed five times", and the earlier causes (a timeout, then a
 * 503, then a reset) are lost.
 * Violates: retry-error-class
 * Rejected by: gives-up-with-every-cause
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  try {
    return await correctRetry(fn, options);
  } catch (error) {
    throw (error as { code?: unknown }).code === 'ERR_RETRY_FAILED' ? (error as Error).cause : error;
  }
}
