/**
 * Bug: converts the topic with String() and checks the handler only when it is called, so
 * subscribe(undefined, fn) quietly subscribes to the topic "undefined", and subscribe("orders",
 * undefined) succeeds and fails on every later publish instead of at the faulty call.
 * Rejected by: rejects-bad-arguments
 */
import { PubSub as Reference, type Handler, type Unsubscribe } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  override subscribe<Payload = unknown>(topic: string, handler: Handler<Payload>): Unsubscribe {
    // Always a function, so the missing handler surfaces only when a payload arrives.
    return super.subscribe(String(topic), (payload: Payload) => handler(payload));
  }

  override publish(topic: string, payload?: unknown): Promise<number> {
    return super.publish(String(topic), payload);
  }

  override subscriberCount(topic: string): number {
    return super.subscriberCount(String(topic));
  }
}
