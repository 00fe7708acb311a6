/**
 * Bug: calls onError without a guard. When onError itself throws (a logger that is down, a
 * serializer that chokes on the payload), the throw escapes the subscriber's delivery loop: the
 * loop dies, that subscriber never receives another payload, the publishes waiting on it never
 * resolve, and the loop's rejection goes unhandled.
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
    this.#onError(error, { topic, payload });
  }
}
