/**
 * Bug: the ten-line answer to "implement a class PubSub with publish and subscribe". Handlers live
 * in a plain object, publish calls them in a forEach and returns nothing, so nobody can wait for
 * delivery; the first handler that throws stops the loop and the error escapes to the publisher;
 * nothing is validated; and "__proto__" or "constructor" are not usable topics.
 * Rejected by: delivers-to-subscribers, publish-waits-for-handlers, handler-errors-isolated, rejects-bad-arguments, any-string-is-a-topic
 */
type Handler = (payload: any) => unknown;

export class PubSub {
  private subscribers: Record<string, Handler[]> = {};

  constructor(_options?: unknown) {}

  subscribe(topic: string, handler: Handler): () => void {
    (this.subscribers[topic] ||= []).push(handler);
    return () => {
      this.subscribers[topic] = (this.subscribers[topic] || []).filter((existing) => existing !== handler);
    };
  }

  publish(topic: string, payload?: unknown): any {
    (this.subscribers[topic] || []).forEach((handler) => handler(payload));
  }

  subscriberCount(topic: string): number {
    return this.subscribers[topic]?.length ?? 0;
  }

  topicCount(): number {
    return Object.keys(this.subscribers).length;
  }
}
