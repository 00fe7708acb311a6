/**
 * Bug: falls back to console.error when no onError is given. It looks friendly, but the README
 * asks for the error to go somewhere the caller chose: new PubSub() must throw, not print.
 * Violates: on-error-required
 * Rejected by: rejects-bad-arguments
 */
import { PubSub as Reference, type PubSubOptions } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  constructor(options?: Partial<PubSubOptions>) {
    const onError = typeof options?.onError === 'function' ? options.onError : (error: unknown) => console.error(error);
    super({ onError });
  }
}
