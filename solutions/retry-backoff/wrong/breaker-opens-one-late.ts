/**
 * Bug: opens when the failures in a row exceed the threshold instead of reaching it (`>` for
 * `>=`), so failureThreshold: 5 lets six failures through and failureThreshold: 1 never opens on
 * the first.
 * Violates: breaker-opens-at-threshold
 * Rejected by: breaker-opens-after-consecutive-failures, breaker-model
 */
import { CircuitBreaker as CorrectCircuitBreaker, type Admission } from '../index.ts';

export * from '../index.ts';

export class CircuitBreaker extends CorrectCircuitBreaker {
  protected override record(admission: Admission, succeeded: boolean): void {
    if (!admission.trial && !succeeded && admission.epoch === this.epoch) {
      if (++this.consecutiveFailures > this.failureThreshold) this.open();
      return;
    }
    super.record(admission, succeeded);
  }
}
