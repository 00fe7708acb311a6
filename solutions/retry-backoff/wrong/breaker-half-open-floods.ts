/**
 * Bug: when the reset timeout passes, lets every caller through until the first result comes back.
 * A recovering service receives the whole backlog at once instead of one trial.
 * Violates: breaker-half-open-trials
 * Rejected by: breaker-half-open-trial, breaker-shields-service-in-outage
 */
import { CircuitBreaker as CorrectCircuitBreaker, type Admission } from '../index.ts';

export * from '../index.ts';

export class CircuitBreaker extends CorrectCircuitBreaker {
  protected override admit(): Admission {
    const admission = super.admit();
    // No limit on trial calls while half-open.
    if (admission.trial) this.trialsInFlight = 0;
    return admission;
  }
}
