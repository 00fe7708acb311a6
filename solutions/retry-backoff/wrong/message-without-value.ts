/**
 * Bug: rejects bad options with a message that names the option but not what was received ("retry:
 * invalid maxAttempts"). The person reading the log still has to find which of five config layers
 * produced "3" as a string.
 * Violates: bad-options-message
 * Rejected by: rejects-bad-input
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

const OPTIONS = [
  'maxAttempts',
  'baseDelayMs',
  'maxDelayMs',
  'factor',
  'jitter',
  'shouldRetry',
  'onRetry',
  'signal',
  'budget',
  'breaker',
  'now',
  'sleep',
  'random',
  'fn',
];

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  try {
    return await correctRetry(fn, options);
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
    const named = OPTIONS.find((name) => error.message.includes(name)) ?? 'options';
    throw new (error instanceof TypeError ? TypeError : RangeError)(`retry: invalid ${named}`);
  }
}
