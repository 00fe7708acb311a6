/**
 * Bug: wraps fn's failure in an Error of its own ("call failed", with the failure as its cause).
 * Every caller's error handling that looked at the service's error (its code, its retryable flag,
 * its Retry-After) now sees the wrapper.
 * Violates: breaker-passes-results
 * Rejected by: breaker-state-changes, breaker-model
 */
import { CircuitBreaker as CorrectCircuitBreaker } from '../index.ts';

export * from '../index.ts';

export class CircuitBreaker extends CorrectCircuitBreaker {
  override async execute<T>(fn: () => T | Promise<T>): Promise<T> {
    let called = false;
    try {
      return await super.execute(() => {
        called = true;
        return fn();
      });
    } catch (error) {
      throw called ? new Error('call failed', { cause: error }) : error;
    }
  }
}
