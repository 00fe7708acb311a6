/**
 * Bug: when a half-open trial fails, re-opens without restarting the reset timeout. The timeout
 * has already passed, so the very next call is another trial: a failing service gets one call per
 * caller instead of one per timeout.
 * Violates: breaker-trial-failure-reopens
 * Rejected by: breaker-half-open-trial
 */
import { CircuitBreaker as CorrectCircuitBreaker, type Admission } from '../index.ts';

export * from '../index.ts';

export class CircuitBreaker extends CorrectCircuitBreaker {
  protected override record(admission: Admission, succeeded: boolean): void {
    if (admission.trial && !succeeded && admission.epoch === this.epoch) {
      // Re-opens with the old openedAt, which is already a full timeout ago.
      this.transition('open');
      return;
    }
    super.record(admission, succeeded);
  }
}
