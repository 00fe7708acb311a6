/**
 * Bug: once open, stays open until the process restarts: nothing ever sends the trial call
 * that would notice the service has recovered.
 * Rejected by: breaker-half-open-trial, breaker-shields-service-in-outage
 */
import { CircuitOpenError, type CircuitBreakerOptions, type CircuitState, type CircuitStateChange } from '../index.ts';

export * from '../index.ts';

export class CircuitBreaker {
  readonly #failureThreshold: number;
  readonly #resetTimeoutMs: number;
  readonly #halfOpenMaxCalls: number;
  readonly #now: () => number;
  readonly #onStateChange: ((change: CircuitStateChange) => void) | undefined;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #trials = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#failureThreshold = options.failureThreshold ?? 5;
    this.#resetTimeoutMs = options.resetTimeoutMs ?? 30_000;
    this.#halfOpenMaxCalls = options.halfOpenMaxCalls ?? 1;
    this.#now = options.now ?? Date.now;
    this.#onStateChange = options.onStateChange;
  }

  get state(): CircuitState {
    this.#halfOpenIfDue();
    return this.#state;
  }

  async execute<T>(fn: () => T | Promise<T>): Promise<T> {
    this.#halfOpenIfDue();
    if (this.#state === 'open') throw new CircuitOpenError(this.#openedAt + this.#resetTimeoutMs - this.#now());
    const trial = this.#state === 'half-open';
    if (trial) {
      if (this.#trials >= this.#halfOpenMaxCalls) throw new CircuitOpenError(0);
      this.#trials++;
    }
    try {
      const value = await fn();
      if (trial) this.#set('closed');
      this.#failures = 0;
      return value;
    } catch (error) {
      if (trial) {
        this.#openedAt = this.#now();
        this.#set('open');
      } else if (this.#state === 'closed' && ++this.#failures >= this.#failureThreshold) {
        this.#openedAt = this.#now();
        this.#set('open');
      }
      throw error;
    } finally {
      if (trial) this.#trials--;
    }
  }

  #halfOpenIfDue(): void {
    // Waits for a reset that never comes.
  }

  #set(to: CircuitState): void {
    const from = this.#state;
    this.#state = to;
    if (to === 'closed') this.#failures = 0;
    this.#onStateChange?.({ from, to, at: this.#now() });
  }
}
