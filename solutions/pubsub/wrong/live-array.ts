/**
 * Bug: publish walks the topic's live array instead of a snapshot. Unsubscribing is safe (it
 * replaces the array), but subscribe pushes onto the array being walked, so a handler that
 * subscribes someone new hands them the payload that was already being delivered.
 * Rejected by: subscribe-during-publish
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
  readonly #topics = new Map<string, Subscription[]>();

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
    const subscribers = this.#topics.get(topic) ?? [];
    subscribers.push(subscription);
    this.#topics.set(topic, subscribers);
    return () => this.#unsubscribe(subscription);
  }

  async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic(topic);
    const subscribers = this.#topics.get(topic) ?? [];
    const deliveries: Promise<boolean>[] = [];
    for (let index = 0; index < subscribers.length; index++) {
      deliveries.push(this.#enqueue(subscribers[index]!, payload));
    }
    const ran = await Promise.all(deliveries);
    return ran.filter(Boolean).length;
  }

  subscriberCount(topic: string): number {
    requireTopic(topic);
    return this.#topics.get(topic)?.length ?? 0;
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
    const remaining = subscribers.filter((existing) => existing !== subscription);
    if (remaining.length === 0) this.#topics.delete(subscription.topic);
    else this.#topics.set(subscription.topic, remaining);
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
