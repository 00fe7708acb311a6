/**
 * Bug: closes the circuit after a successful trial but keeps the failure count it opened with, so
 * the very next failure opens it again: one blip after a recovery and the service is cut off for
 * another full timeout.
 * Violates: breaker-trial-success-closes
 * Rejected by: breaker-half-open-trial, breaker-model
 */
import { CircuitBreaker as CorrectCircuitBreaker, type Admission } from '../index.ts';

export * from '../index.ts';

export class CircuitBreaker extends CorrectCircuitBreaker {
  protected override record(admission: Admission, succeeded: boolean): void {
    if (admission.trial && succeeded && admission.epoch === this.epoch) {
      this.consecutiveFailures = this.failureThreshold - 1;
      this.transition('closed');
      return;
    }
    super.record(admission, succeeded);
  }
}
