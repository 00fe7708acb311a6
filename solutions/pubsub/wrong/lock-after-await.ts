/**
 * Bug: each subscription keeps a "busy" promise and a delivery awaits it before running, but the
 * delivery claims the lock only after its await. Every publish fired while the handler was idle
 * waited on the same settled promise, so they all wake together and run the handler at once:
 * check-then-act across an await.
 * Rejected by: ordered-delivery-1000, interleavings-match-model
 */
type Handler = (payload: any) => unknown;
type OnError = (error: unknown, delivery: { topic: string; payload: unknown }) => void;

interface Subscription {
  readonly topic: string;
  readonly handler: Handler;
  active: boolean;
  busy: Promise<unknown>;
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
    const subscription: Subscription = { topic, handler, active: true, busy: Promise.resolve() };
    const subscribers = this.#topics.get(topic) ?? new Set();
    this.#topics.set(topic, subscribers.add(subscription));
    return () => this.#unsubscribe(subscription);
  }

  async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic(topic);
    const snapshot = [...(this.#topics.get(topic) ?? [])];
    const ran = await Promise.all(snapshot.map((subscription) => this.#deliver(subscription, payload)));
    return ran.filter(Boolean).length;
  }

  subscriberCount(topic: string): number {
    requireTopic(topic);
    return this.#topics.get(topic)?.size ?? 0;
  }

  topicCount(): number {
    return this.#topics.size;
  }

  async #deliver(subscription: Subscription, payload: unknown): Promise<boolean> {
    await subscription.busy;
    const run = this.#invoke(subscription, payload);
    subscription.busy = run;
    return run;
  }

  async #invoke(subscription: Subscription, payload: unknown): Promise<boolean> {
    if (!subscription.active) return false;
    try {
      await subscription.handler(payload);
    } catch (error) {
      this.#report(error, subscription.topic, payload);
    }
    return true;
  }

  #unsubscribe(subscription: Subscription): void {
    if (!subscription.active) return;
    subscription.active = false;
    const subscribers = this.#topics.get(subscription.topic)!;
    subscribers.delete(subscription);
    if (subscribers.size === 0) this.#topics.delete(subscription.topic);
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
