/**
 * Variant: a p-queue with concurrency 1 per subscription does the ordering.
 *
 * The library guarantees FIFO and one task at a time; what is left to write is what the library
 * does not know about: counting deliveries for publish, and releasing them on unsubscribe.
 * queue.clear() drops waiting tasks but leaves the promises add() returned pending forever, so
 * publish does not wait on those: each delivery has its own settle function, called by the task
 * when it runs or by unsubscribe when it is discarded. Queues are created on first delivery, so a
 * subscription that never receives anything costs no queue.
 */
import PQueue from 'p-queue';

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
  queue: PQueue | undefined;
  /** Deliveries added to the queue and not yet started. */
  readonly waiting: Set<Settle>;
}

export class PubSub {
  readonly #onError: PubSubOptions['onError'];
  readonly #topics = new Map<string, Set<Subscription>>();

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
      queue: undefined,
      waiting: new Set(),
    };
    const subscribers = this.#topics.get(topic) ?? new Set<Subscription>();
    this.#topics.set(topic, subscribers.add(subscription));
    return () => this.#unsubscribe(subscription);
  }

  async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic('publish', topic);
    const snapshot = [...(this.#topics.get(topic) ?? [])];
    const handled = await Promise.all(snapshot.map((subscription) => this.#deliver(subscription, payload)));
    return handled.filter(Boolean).length;
  }

  subscriberCount(topic: string): number {
    requireTopic('subscriberCount', topic);
    return this.#topics.get(topic)?.size ?? 0;
  }

  topicCount(): number {
    return this.#topics.size;
  }

  #deliver(subscription: Subscription, payload: unknown): Promise<boolean> {
    if (!subscription.active) return Promise.resolve(false);
    return new Promise<boolean>((settle) => {
      subscription.waiting.add(settle);
      // p-queue starts an idle queue's task inside add(). Adding from a microtask lets publish hand
      // the payload to every queue first, so a handler that publishes from inside cannot get its
      // payload ahead of this one in a queue that is still to receive it.
      queueMicrotask(() => this.#enqueue(subscription, payload, settle));
    });
  }

  #enqueue(subscription: Subscription, payload: unknown, settle: Settle): void {
    subscription.queue ??= new PQueue({ concurrency: 1 });
    // The task never throws, so the promise add() returns never rejects and can be ignored.
    void subscription.queue.add(async () => {
      if (!subscription.waiting.delete(settle)) return;
      try {
        await subscription.handler(payload);
      } catch (error) {
        this.#report(error, subscription.topic, payload);
      }
      settle(true);
    });
  }

  #unsubscribe(subscription: Subscription): void {
    if (!subscription.active) return;
    subscription.active = false;
    const subscribers = this.#topics.get(subscription.topic);
    subscribers?.delete(subscription);
    if (subscribers?.size === 0) this.#topics.delete(subscription.topic);
    subscription.queue?.clear();
    for (const settle of subscription.waiting) settle(false);
    subscription.waiting.clear();
  }

  #report(error: unknown, topic: string, payload: unknown): void {
    try {
      const returned: unknown = this.#onError(error, { topic, payload });
      // An async onError's rejection goes nowhere either: never an unhandled rejection.
      if (returned instanceof Promise) returned.catch(() => undefined);
    } catch {
      // If onError throws too there is nowhere safer to send it.
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
