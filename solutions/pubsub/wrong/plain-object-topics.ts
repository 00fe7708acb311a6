/**
 * Bug: topics are keys of a plain object. "__proto__" and "constructor" resolve to
 * Object.prototype and Object, which are not subscriber sets, so subscribing to them throws and
 * counting them answers nonsense: any topic name taken from user input can break the service.
 * Rejected by: any-string-is-a-topic
 */
type Handler = (payload: any) => unknown;
type OnError = (error: unknown, delivery: { topic: string; payload: unknown }) => void;

interface Delivery {
  readonly payload: unknown;
  readonly settle: (ran: boolean) => void;
}

interface Subscription {
  readonly topic: string;
  readonly handler: Handler;
  active: boolean;
  draining: boolean;
  readonly mailbox: Delivery[];
}

export class PubSub {
  readonly #onError: OnError;
  readonly #topics: Record<string, Set<Subscription>> = {};

  constructor(options: { onError: OnError }) {
    if (typeof options?.onError !== 'function') {
      throw new TypeError(`options.onError must be a function, received ${kind(options?.onError)}`);
    }
    this.#onError = options.onError;
  }

  subscribe(topic: string, handler: Handler): () => void {
    requireTopic(topic);
    if (typeof handler !== 'function') throw new TypeError(`handler must be a function, received ${kind(handler)}`);
    const subscription: Subscription = { topic, handler, active: true, draining: false, mailbox: [] };
    this.#topics[topic] ??= new Set();
    this.#topics[topic].add(subscription);
    return () => this.#unsubscribe(subscription);
  }

  async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic(topic);
    const snapshot = [...(this.#topics[topic] ?? [])];
    const ran = await Promise.all(snapshot.map((subscription) => this.#enqueue(subscription, payload)));
    return ran.filter(Boolean).length;
  }

  subscriberCount(topic: string): number {
    requireTopic(topic);
    return this.#topics[topic]?.size ?? 0;
  }

  topicCount(): number {
    return Object.keys(this.#topics).length;
  }

  #enqueue(subscription: Subscription, payload: unknown): Promise<boolean> {
    return new Promise((settle) => {
      if (!subscription.active) return settle(false);
      subscription.mailbox.push({ payload, settle });
      if (!subscription.draining) void this.#drain(subscription);
    });
  }

  async #drain(subscription: Subscription): Promise<void> {
    subscription.draining = true;
    while (subscription.mailbox.length > 0) {
      const { payload, settle } = subscription.mailbox.shift()!;
      try {
        await subscription.handler(payload);
      } catch (error) {
        this.#report(error, subscription.topic, payload);
      }
      settle(true);
    }
    subscription.draining = false;
  }

  #unsubscribe(subscription: Subscription): void {
    if (!subscription.active) return;
    subscription.active = false;
    const subscribers = this.#topics[subscription.topic]!;
    subscribers.delete(subscription);
    if (subscribers.size === 0) delete this.#topics[subscription.topic];
    for (const delivery of subscription.mailbox.splice(0)) delivery.settle(false);
  }

  #report(error: unknown, topic: string, payload: unknown): void {
    try {
      this.#onError(error, { topic, payload });
    } catch {
      // Nowhere safer to send it.
    }
  }
}

function requireTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string') throw new TypeError(`topic must be a string, received ${kind(topic)}`);
}

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
