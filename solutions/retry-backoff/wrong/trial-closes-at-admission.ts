/**
 * Bug: stamps the half-open → closed change with the time the successful trial was admitted, not
 * the time it succeeded. A trial that takes a while reports the circuit closed before it was.
 * Violates: breaker-state-changes
 * Rejected by: breaker-state-changes
 */
import { CircuitBreaker as CorrectCircuitBreaker, type Admission, type CircuitState } from '../index.ts';

export * from '../index.ts';

interface StampedAdmission extends Admission {
  readonly admittedAt: number;
}

export class CircuitBreaker extends CorrectCircuitBreaker {
  #stamp: number | undefined;

  protected override admit(): Admission {
    const admission = super.admit();
    const stamped: StampedAdmission = { ...admission, admittedAt: this.now() };
    return stamped;
  }

  protected override record(admission: Admission, succeeded: boolean): void {
    if (admission.trial && succeeded) this.#stamp = (admission as StampedAdmission).admittedAt;
    try {
      super.record(admission, succeeded);
    } finally {
      this.#stamp = undefined;
    }
  }

  protected override transition(to: CircuitState): void {
    const at = this.#stamp;
    if (at === undefined) {
      super.transition(to);
      return;
    }
    const from = this.current;
    this.current = to;
    this.epoch++;
    this.trialsInFlight = 0;
    this.onStateChange?.({ from, to, at });
  }
}
