/**
 * Bug: converts the topic with String() and checks the handler only when it is called, so
 * subscribe(undefined, fn) quietly subscribes to the topic "undefined", and subscribe("orders",
 * undefined) succeeds and fails on every later publish instead of at the faulty call.
 * Rejected by: rejects-bad-arguments
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
    topic = String(topic);
    const subscription: Subscription = { topic, handler, active: true, draining: false, mailbox: [] };
    const subscribers = this.#topics.get(topic) ?? new Set();
    this.#topics.set(topic, subscribers.add(subscription));
    return () => this.#unsubscribe(subscription);
  }

  async publish(topic: string, payload?: unknown): Promise<number> {
    topic = String(topic);
    const snapshot = [...(this.#topics.get(topic) ?? [])];
    const ran = await Promise.all(snapshot.map((subscription) => this.#enqueue(subscription, payload)));
    return ran.filter(Boolean).length;
  }

  subscriberCount(topic: string): number {
    return this.#topics.get(String(topic))?.size ?? 0;
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

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
