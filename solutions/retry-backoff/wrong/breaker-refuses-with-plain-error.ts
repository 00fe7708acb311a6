/**
 * Bug: refuses with a plain Error that merely carries the code, not the module's CircuitOpenError.
 * `error instanceof CircuitOpenError` in the caller's fallback is false, so refusals are treated
 * as the service's own failures.
 * Violates: breaker-open-refuses
 * Rejected by: breaker-opens-after-consecutive-failures, breaker-model
 */
import { CircuitBreaker as CorrectCircuitBreaker, type Admission } from '../index.ts';

export * from '../index.ts';

export class CircuitBreaker extends CorrectCircuitBreaker {
  protected override admit(): Admission {
    try {
      return super.admit();
    } catch (refusal) {
      const { message, retryAfterMs } = refusal as { message: string; retryAfterMs: number };
      throw Object.assign(new Error(message), { code: 'ERR_CIRCUIT_OPEN', retryAfterMs });
    }
  }
}
