/**
 * Bug: stamps onStateChange with Date.now() instead of the injected clock, so every change is
 * reported at the wrong time in tests, replays and any system that runs on a clock of its own.
 * Violates: breaker-state-changes
 * Rejected by: breaker-state-changes, breaker-model
 */
import { CircuitBreaker as CorrectCircuitBreaker, type CircuitBreakerOptions } from '../index.ts';

export * from '../index.ts';

export class CircuitBreaker extends CorrectCircuitBreaker {
  constructor(options: CircuitBreakerOptions = {}) {
    const { onStateChange } = options;
    super({ ...options, onStateChange: onStateChange && ((change) => onStateChange({ ...change, at: Date.now() })) });
  }
}
