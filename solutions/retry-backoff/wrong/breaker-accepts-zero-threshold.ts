/**
 * Bug: accepts failureThreshold: 0 (reading it as 1), so a configuration that meant "never open"
 * or simply lost its value opens on the first failure instead of being rejected.
 * Violates: breaker-rejects-bad-options
 * Rejected by: rejects-bad-breaker-options
 */
import { CircuitBreaker as CorrectCircuitBreaker, type CircuitBreakerOptions } from '../index.ts';

export * from '../index.ts';

export class CircuitBreaker extends CorrectCircuitBreaker {
  constructor(options: CircuitBreakerOptions = {}) {
    super({ ...options, failureThreshold: options.failureThreshold === 0 ? 1 : options.failureThreshold });
  }
}
