/**
 * Bug: counts every failure since the breaker closed, not consecutive ones, so a success does not
 * reset the count. A service failing 1 call in 3 trips a breaker whose threshold is 3, and healthy
 * traffic gets refused.
 * Violates: breaker-success-resets
 * Rejected by: breaker-opens-after-consecutive-failures
 */
import { CircuitBreaker as CorrectCircuitBreaker, type Admission } from '../index.ts';

export * from '../index.ts';

export class CircuitBreaker extends CorrectCircuitBreaker {
  protected override record(admission: Admission, succeeded: boolean): void {
    // A success while closed leaves the failure count as it was.
    if (!admission.trial && succeeded) return;
    super.record(admission, succeeded);
  }
}
