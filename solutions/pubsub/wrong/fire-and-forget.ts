/**
 * Bug: publish calls each handler and returns at once, ignoring what the handler returns. It
 * resolves before async handlers have done anything, a handler's invocations overlap when publish
 * is called again, and an async handler's rejection is never caught: onError never hears of it
 * and the process sees an unhandled rejection, which crashes Node by default.
 * Rejected by: publish-waits-for-handlers, errors-reported, no-unhandled-rejections, ordered-delivery-1000
 */
import { PubSub as Reference, requireTopic } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  override publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic('publish', topic);
    const snapshot = [...(this.topics.get(topic) ?? [])];
    let delivered = 0;
    for (const subscription of snapshot) {
      if (!subscription.active) continue;
      delivered++;
      try {
        void subscription.handler(payload);
      } catch (error) {
        this.report(error, topic, payload);
      }
    }
    return Promise.resolve(delivered);
  }
}
