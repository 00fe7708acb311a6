/**
 * Bug: reports the whole resetTimeoutMs as every refusal's retryAfterMs instead of the time left,
 * so a client told "come back in 30 s" at second 29 waits 30 more, and half-open refusals look
 * like a fresh outage.
 * Violates: breaker-refusal-retry-after
 * Rejected by: breaker-opens-after-consecutive-failures, breaker-model
 */
import { CircuitBreaker as CorrectCircuitBreaker, type Admission } from '../index.ts';

export * from '../index.ts';

import { CircuitOpenError } from '../index.ts';

export class CircuitBreaker extends CorrectCircuitBreaker {
  protected override admit(): Admission {
    try {
      return super.admit();
    } catch (refusal) {
      if (refusal instanceof CircuitOpenError) throw new CircuitOpenError(this.resetTimeoutMs);
      throw refusal;
    }
  }
}
