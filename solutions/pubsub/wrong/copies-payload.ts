/**
 * Bug: hands each handler a structuredClone of the payload "so one subscriber cannot change what
 * another sees". The README promises the payload itself: identity checks fail, and a payload that
 * cannot be cloned (a function, a class instance with methods) breaks or loses its prototype.
 * Violates: delivers-payload
 * Rejected by: delivers-to-subscribers, interleavings-match-model
 */
import { PubSub as Reference, type Handler, type Unsubscribe } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  override subscribe<Payload = unknown>(topic: string, handler: Handler<Payload>): Unsubscribe {
    if (typeof handler !== 'function') return super.subscribe(topic, handler);
    return super.subscribe(topic, (payload: Payload) => handler(structuredClone(payload)));
  }
}
