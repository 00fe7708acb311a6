/**
 * Bug: counts every settled call against the current state, however old. A request that was in
 * flight when the circuit opened fails a second later and restarts the open timer; a late success
 * from before the outage closes a circuit that is testing the service.
 * Violates: breaker-stale-calls-ignored
 * Rejected by: breaker-state-changes, breaker-model, breaker-interleavings
 */
import { CircuitBreaker as CorrectCircuitBreaker, type Admission } from '../index.ts';

export * from '../index.ts';

export class CircuitBreaker extends CorrectCircuitBreaker {
  protected override record(admission: Admission, succeeded: boolean): void {
    super.record({ trial: this.current === 'half-open', epoch: this.epoch }, succeeded);
  }
}
