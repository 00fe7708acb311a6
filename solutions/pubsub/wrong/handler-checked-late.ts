/**
 * Bug: subscribe accepts any handler and checks it only when a payload arrives, so
 * subscribe("orders", undefined) succeeds and every later publish reports a TypeError to onError
 * instead of the faulty call failing where the mistake was made.
 * Violates: bad-handler-rejected
 * Rejected by: rejects-bad-arguments, interleavings-match-model
 */
import { PubSub as Reference, type Handler, type Unsubscribe } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  override subscribe<Payload = unknown>(topic: string, handler: Handler<Payload>): Unsubscribe {
    // Always a function, so a bad handler fails only once it is called.
    return super.subscribe(topic, (payload: Payload) => handler(payload));
  }
}
