/**
 * Bug: guards onError with try/catch, which catches a synchronous throw, but ignores what onError
 * returns. An async onError that rejects (its log store is down) leaves a rejected promise nobody
 * handles: an unhandled rejection, which crashes Node by default.
 * Violates: on-error-failure-contained
 * Rejected by: on-error-failures-contained, interleavings-match-model
 */
import { PubSub as Reference, type PubSubOptions } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  readonly #onError: PubSubOptions['onError'];

  constructor(options: PubSubOptions) {
    super(options);
    this.#onError = options.onError;
  }

  protected override report(error: unknown, topic: string, payload: unknown): void {
    try {
      this.#onError(error, { topic, payload });
    } catch {
      // A synchronous throw is caught; a rejected promise it returns is not looked at.
    }
  }
}
