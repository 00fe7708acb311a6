/**
 * Bug: once open, stays open until the process restarts: nothing ever sends the trial call that
 * would notice the service has recovered.
 * Violates: breaker-half-opens-on-time
 * Rejected by: breaker-half-open-trial, breaker-shields-service-in-outage
 */
import { CircuitBreaker as CorrectCircuitBreaker } from '../index.ts';

export * from '../index.ts';

export class CircuitBreaker extends CorrectCircuitBreaker {
  protected override halfOpenIfDue(): void {
    // Waits for a reset that never comes.
  }
}
