/**
 * Bug: defaults failureThreshold to 3 instead of 5, so a breaker built without options opens on a
 * burst of three errors that the README says it should ride out.
 * Violates: breaker-defaults
 * Rejected by: breaker-defaults
 */
import { CircuitBreaker as CorrectCircuitBreaker, type CircuitBreakerOptions } from '../index.ts';

export * from '../index.ts';

export class CircuitBreaker extends CorrectCircuitBreaker {
  constructor(options: CircuitBreakerOptions = {}) {
    super({ ...options, failureThreshold: options.failureThreshold ?? 3 });
  }
}
