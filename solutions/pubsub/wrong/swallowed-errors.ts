/**
 * Bug: a failing handler is caught and ignored. Delivery to the others is safe, but the error is
 * never passed to onError: in production the failure is invisible, and nobody learns that a
 * subscriber has been failing on every message for a week.
 * Rejected by: errors-reported
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
  readonly #topics = new Map<string, Set<Subscription>>();

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
    const subscribers = this.#topics.get(topic) ?? new Set();
    this.#topics.set(topic, subscribers.add(subscription));
    return () => this.#unsubscribe(subscription);
  }

  async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic(topic);
    const snapshot = [...(this.#topics.get(topic) ?? [])];
    const ran = await Promise.all(snapshot.map((subscription) => this.#enqueue(subscription, payload)));
    return ran.filter(Boolean).length;
  }

  subscriberCount(topic: string): number {
    requireTopic(topic);
    return this.#topics.get(topic)?.size ?? 0;
  }

  topicCount(): number {
    return this.#topics.size;
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
      } catch {
        // Keep going: one bad subscriber must not stop the others.
      }
      settle(true);
    }
    subscription.draining = false;
  }

  #unsubscribe(subscription: Subscription): void {
    if (!subscription.active) return;
    subscription.active = false;
    const subscribers = this.#topics.get(subscription.topic)!;
    subscribers.delete(subscription);
    if (subscribers.size === 0) this.#topics.delete(subscription.topic);
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
