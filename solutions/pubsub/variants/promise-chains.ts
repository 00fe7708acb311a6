/**
 * Variant: copy-on-write subscriber arrays and a promise chain per subscription.
 *
 * subscribe and unsubscribe replace a topic's array instead of changing it, so the array publish
 * reads is already a snapshot and needs no copy: cheap publishes, O(n) subscribes. Each
 * subscription serialises its handler calls by chaining them on a promise tail. A chain alone
 * cannot drop queued work while a handler is stuck (the skip would only run when the chain got
 * there), so each queued delivery also registers its settle function with the subscription and
 * unsubscribe settles those at once.
 */

export type Handler<Payload = unknown> = (payload: Payload) => unknown;

export type Unsubscribe = () => void;

export interface FailedDelivery {
  readonly topic: string;
  readonly payload: unknown;
}

export interface PubSubOptions {
  readonly onError: (error: unknown, delivery: FailedDelivery) => void;
}

type Settle = (handled: boolean) => void;

interface Subscription {
  readonly topic: string;
  readonly handler: Handler;
  active: boolean;
  /** Settles when every delivery chained so far is done; never rejects. */
  tail: Promise<void>;
  /** Deliveries chained but not yet started. unsubscribe settles them without waiting for the chain. */
  readonly queued: Set<Settle>;
}

const NO_SUBSCRIBERS: readonly Subscription[] = Object.freeze([]);

export class PubSub {
  readonly #onError: PubSubOptions['onError'];
  /** Arrays here are never mutated, only replaced. */
  readonly #topics = new Map<string, readonly Subscription[]>();

  constructor(options: PubSubOptions) {
    if (typeof options !== 'object' || options === null || typeof options.onError !== 'function') {
      const received = typeof options === 'object' && options !== null ? options.onError : options;
      throw new TypeError(`new PubSub(options): options.onError must be a function, received ${describe(received)}`);
    }
    this.#onError = options.onError;
  }

  subscribe<Payload = unknown>(topic: string, handler: Handler<Payload>): Unsubscribe {
    requireTopic('subscribe', topic);
    if (typeof handler !== 'function') {
      throw new TypeError(`PubSub.subscribe: handler must be a function, received ${describe(handler)}`);
    }
    const subscription: Subscription = {
      topic,
      handler: handler as Handler,
      active: true,
      tail: Promise.resolve(),
      queued: new Set(),
    };
    this.#topics.set(topic, [...(this.#topics.get(topic) ?? NO_SUBSCRIBERS), subscription]);
    return () => this.#unsubscribe(subscription);
  }

  publish(topic: string, payload?: unknown): Promise<number> {
    try {
      requireTopic('publish', topic);
    } catch (error) {
      return Promise.reject(error);
    }
    const subscribers = this.#topics.get(topic) ?? NO_SUBSCRIBERS;
    // Promise.all is safe here: #deliver never rejects.
    return Promise.all(subscribers.map((subscription) => this.#deliver(subscription, payload))).then(
      (handled) => handled.filter(Boolean).length,
    );
  }

  subscriberCount(topic: string): number {
    requireTopic('subscriberCount', topic);
    return this.#topics.get(topic)?.length ?? 0;
  }

  topicCount(): number {
    return this.#topics.size;
  }

  #deliver(subscription: Subscription, payload: unknown): Promise<boolean> {
    if (!subscription.active) return Promise.resolve(false);
    return new Promise<boolean>((settle) => {
      subscription.queued.add(settle);
      subscription.tail = subscription.tail.then(async () => {
        // Gone from the set means unsubscribe already settled this delivery as discarded.
        if (!subscription.queued.delete(settle)) return;
        try {
          await subscription.handler(payload);
        } catch (error) {
          this.#report(error, subscription.topic, payload);
        }
        settle(true);
      });
    });
  }

  #unsubscribe(subscription: Subscription): void {
    if (!subscription.active) return;
    subscription.active = false;
    const remaining = (this.#topics.get(subscription.topic) ?? NO_SUBSCRIBERS).filter((s) => s !== subscription);
    if (remaining.length === 0) this.#topics.delete(subscription.topic);
    else this.#topics.set(subscription.topic, remaining);
    for (const settle of subscription.queued) settle(false);
    subscription.queued.clear();
  }

  #report(error: unknown, topic: string, payload: unknown): void {
    try {
      const returned: unknown = this.#onError(error, { topic, payload });
      // An async onError's rejection goes nowhere either: never an unhandled rejection.
      if (returned instanceof Promise) returned.catch(() => undefined);
    } catch {
      // If onError throws too there is nowhere safer to send it; the chain must not break.
    }
  }
}

function requireTopic(method: string, topic: unknown): asserts topic is string {
  if (typeof topic !== 'string') {
    throw new TypeError(`PubSub.${method}: topic must be a string, received ${describe(topic)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'symbol') return `the symbol ${String(value)}`;
  return value === undefined ? 'undefined' : `the ${typeof value} ${String(value)}`;
}
