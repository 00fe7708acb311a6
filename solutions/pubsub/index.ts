/**
 * Reference: every subscription owns a FIFO mailbox drained by at most one loop at a time, so its
 * handler sees payloads in publish order and never twice at once, while each other subscription
 * drains on its own. publish snapshots the topic's subscriptions, drops one delivery into each
 * mailbox and resolves once every delivery has been handled or discarded by an unsubscribe.
 *
 * The pieces publish and subscribe are built from are protected, not private: each file in
 * wrong/ subclasses PubSub and overrides the one piece that carries its bug.
 */

export type Handler<Payload = unknown> = (payload: Payload) => unknown;

export type Unsubscribe = () => void;

/** What onError is told about a handler that threw or rejected. */
export interface FailedDelivery {
  readonly topic: string;
  readonly payload: unknown;
}

export interface PubSubOptions {
  /** Receives every error a handler throws or rejects with. Required: errors must go somewhere. */
  readonly onError: (error: unknown, delivery: FailedDelivery) => void;
}

/** One payload waiting in one subscription's mailbox, and how to tell its publish it is done. */
export interface Delivery {
  readonly payload: unknown;
  /** Called exactly once: true when the handler ran, false when the delivery was discarded. */
  readonly settle: (handled: boolean) => void;
  next: Delivery | undefined;
}

export interface Subscription {
  readonly topic: string;
  readonly handler: Handler;
  active: boolean;
  draining: boolean;
  /** A linked list rather than an array: shift() stays O(1) however long a stuck handler's backlog grows. */
  first: Delivery | undefined;
  last: Delivery | undefined;
}

export class PubSub {
  readonly #onError: PubSubOptions['onError'];
  /** A Map, never a plain object: "__proto__" and "constructor" are ordinary topics here. */
  protected readonly topics = new Map<string, Set<Subscription>>();

  constructor(options: PubSubOptions) {
    // Optional chaining, so new PubSub() and new PubSub(null) get this message, not the runtime's.
    const onError: unknown = (options as Partial<PubSubOptions> | null | undefined)?.onError;
    if (typeof onError !== 'function') {
      throw new TypeError(`new PubSub(options): options.onError must be a function, received ${describe(onError)}`);
    }
    this.#onError = onError as PubSubOptions['onError'];
  }

  subscribe<Payload = unknown>(topic: string, handler: Handler<Payload>): Unsubscribe {
    const subscription = this.createSubscription('subscribe', topic, handler as Handler);
    let subscribers = this.topics.get(topic);
    if (subscribers === undefined) {
      subscribers = new Set();
      this.topics.set(topic, subscribers);
    }
    subscribers.add(subscription);
    return () => this.unsubscribe(subscription);
  }

  publish(topic: string, payload?: unknown): Promise<number> {
    try {
      requireTopic('publish', topic);
    } catch (error) {
      return Promise.reject(error);
    }
    // A copy, so subscriptions added while this payload is being delivered do not receive it.
    const snapshot = [...(this.topics.get(topic) ?? [])];
    if (snapshot.length === 0) return Promise.resolve(0);
    return new Promise<number>((resolve) => {
      let waiting = snapshot.length;
      let handled = 0;
      const settle = (ran: boolean): void => {
        if (ran) handled++;
        if (--waiting === 0) resolve(handled);
      };
      // Every mailbox gets the payload before any handler runs: a handler that publishes from
      // inside must find this payload ahead of its own in every other subscriber's mailbox.
      for (const subscription of snapshot) this.enqueue(subscription, { payload, settle, next: undefined });
      for (const subscription of snapshot) this.wake(subscription);
    });
  }

  subscriberCount(topic: string): number {
    requireTopic('subscriberCount', topic);
    return this.topics.get(topic)?.size ?? 0;
  }

  /** How many topics this instance remembers: exactly those with at least one subscription. */
  topicCount(): number {
    return this.topics.size;
  }

  /** Checks subscribe's arguments and makes the subscription, not yet added to its topic. */
  protected createSubscription(method: string, topic: unknown, handler: unknown): Subscription {
    requireTopic(method, topic);
    if (typeof handler !== 'function') {
      throw new TypeError(`PubSub.${method}: handler must be a function, received ${describe(handler)}`);
    }
    return { topic, handler: handler as Handler, active: true, draining: false, first: undefined, last: undefined };
  }

  /** Drops a delivery into the subscription's mailbox; `wake` starts its loop. */
  protected enqueue(subscription: Subscription, delivery: Delivery): void {
    if (subscription.last === undefined) subscription.first = delivery;
    else subscription.last.next = delivery;
    subscription.last = delivery;
  }

  /** Starts the subscription's loop unless it is running already. */
  protected wake(subscription: Subscription): void {
    if (!subscription.draining) void this.drain(subscription);
  }

  /** The subscription's loop. Never rejects: handler failures go to onError, so nothing is unhandled. */
  protected async drain(subscription: Subscription): Promise<void> {
    subscription.draining = true;
    for (let delivery = this.takeNext(subscription); delivery !== undefined; delivery = this.takeNext(subscription)) {
      delivery.settle(await this.handle(subscription, delivery.payload));
    }
    subscription.draining = false;
  }

  /** The delivery the subscription handles next: the oldest, so payloads arrive in publish order. */
  protected takeNext(subscription: Subscription): Delivery | undefined {
    return takeFirst(subscription);
  }

  /**
   * Runs the handler on one payload; its error, thrown or rejected, goes to onError. Resolves to
   * true: the handler ran. No `active` check is needed here: a snapshot holds only active
   * subscriptions and unsubscribe empties the mailbox at once, so a delivery taken from a mailbox
   * always belongs to an active subscription.
   */
  protected async handle(subscription: Subscription, payload: unknown): Promise<boolean> {
    try {
      await subscription.handler(payload);
    } catch (error) {
      this.report(error, subscription.topic, payload);
    }
    return true;
  }

  protected unsubscribe(subscription: Subscription): void {
    if (!subscription.active) return;
    subscription.active = false;
    const subscribers = this.topics.get(subscription.topic);
    subscribers?.delete(subscription);
    if (subscribers?.size === 0) this.topics.delete(subscription.topic);
    // Queued payloads are discarded now, so publishes waiting on them do not wait for a handler that
    // may be stuck; the payload in the handler's hands, if any, is still awaited by its publish.
    for (let delivery = takeFirst(subscription); delivery !== undefined; delivery = takeFirst(subscription)) {
      delivery.settle(false);
    }
  }

  protected report(error: unknown, topic: string, payload: unknown): void {
    try {
      const returned: unknown = this.#onError(error, { topic, payload });
      // An async onError's rejection is dropped like a throw, never left unhandled. Promise.resolve
      // returns a native promise as it is and adopts any other thenable, so this one line handles both.
      void Promise.resolve(returned).catch(() => undefined);
    } catch {
      // onError is the last line of defence; if it throws too, delivery to everyone else must go on.
    }
  }
}

export function takeFirst(subscription: Subscription): Delivery | undefined {
  const delivery = subscription.first;
  if (delivery === undefined) return undefined;
  subscription.first = delivery.next;
  if (subscription.first === undefined) subscription.last = undefined;
  delivery.next = undefined;
  return delivery;
}

export function requireTopic(method: string, topic: unknown): asserts topic is string {
  if (typeof topic !== 'string') {
    throw new TypeError(`PubSub.${method}: topic must be a string, received ${describe(topic)}`);
  }
}

/**
 * What a bad argument was, for a TypeError message: its type, which is all the README asks for. A
 * bare `typeof` never calls the value's own code (no `toString` of a hostile object runs).
 */
function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
