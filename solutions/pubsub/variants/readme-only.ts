/**
 * Variant written from the README alone, by someone who never read the reference (copied from an
 * independent implementation). One change since: #report also drops the rejection of a promise
 * onError returns, which the original left unhandled (rule on-error-failure-contained, decided
 * after it was written).
 */
/**
 * In-process publish/subscribe with ordered, isolated delivery.
 *
 * Design: every subscription owns a FIFO mailbox and a "busy" flag. publish() snapshots the
 * topic's subscriptions, puts one letter (payload + the publish's tally) in each mailbox first,
 * and only then pumps the idle mailboxes, so that a handler that publishes re-entrantly cannot
 * make another subscriber see the inner payload before the outer one. A mailbox is pumped
 * synchronously while its handler finishes synchronously, and resumes from the settlement of the
 * promise a handler returned. unsubscribe() marks the subscription dead and hands back the
 * letters still in its mailbox, so the publishes waiting on them stop waiting.
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

/** What one publish() is waiting for. */
interface Tally {
  outstanding: number;
  delivered: number;
  readonly resolve: (delivered: number) => void;
}

interface Letter {
  readonly payload: unknown;
  readonly tally: Tally;
}

interface Subscription {
  readonly topic: string;
  readonly handler: Handler<never>;
  alive: boolean;
  busy: boolean;
  mailbox: Letter[];
  head: number;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function settleOne(tally: Tally): void {
  tally.outstanding -= 1;
  if (tally.outstanding === 0) tally.resolve(tally.delivered);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

export class PubSub {
  readonly #onError: (error: unknown, delivery: FailedDelivery) => void;
  readonly #topics = new Map<string, Set<Subscription>>();

  constructor(options: PubSubOptions) {
    const onError = (options as Partial<PubSubOptions> | null | undefined)?.onError;
    if (typeof onError !== 'function') {
      throw new TypeError(
        `onError must be a function that receives handler errors, received ${describe(onError)}` +
          (options === undefined || options === null ? ` (options is ${describe(options)})` : ''),
      );
    }
    this.#onError = onError;
  }

  subscribe<Payload = unknown>(topic: string, handler: Handler<Payload>): Unsubscribe {
    if (typeof topic !== 'string') throw new TypeError(`topic must be a string, received ${describe(topic)}`);
    if (typeof handler !== 'function') {
      throw new TypeError(`handler must be a function, received ${describe(handler)}`);
    }
    const subscription: Subscription = {
      topic,
      handler: handler as Handler<never>,
      alive: true,
      busy: false,
      mailbox: [],
      head: 0,
    };
    let set = this.#topics.get(topic);
    if (set === undefined) {
      set = new Set();
      this.#topics.set(topic, set);
    }
    set.add(subscription);
    return () => this.#unsubscribe(subscription);
  }

  publish(topic: string, payload?: unknown): Promise<number> {
    if (typeof topic !== 'string') {
      return Promise.reject(new TypeError(`topic must be a string, received ${describe(topic)}`));
    }
    const set = this.#topics.get(topic);
    if (set === undefined || set.size === 0) return Promise.resolve(0);
    const recipients = [...set];
    let resolve!: (delivered: number) => void;
    const done = new Promise<number>((r) => {
      resolve = r;
    });
    const tally: Tally = { outstanding: recipients.length, delivered: 0, resolve };
    const letter: Letter = { payload, tally };
    for (const subscription of recipients) subscription.mailbox.push(letter);
    for (const subscription of recipients) this.#pump(subscription);
    return done;
  }

  subscriberCount(topic: string): number {
    if (typeof topic !== 'string') throw new TypeError(`topic must be a string, received ${describe(topic)}`);
    return this.#topics.get(topic)?.size ?? 0;
  }

  topicCount(): number {
    return this.#topics.size;
  }

  #unsubscribe(subscription: Subscription): void {
    if (!subscription.alive) return;
    subscription.alive = false;
    const set = this.#topics.get(subscription.topic);
    if (set !== undefined) {
      set.delete(subscription);
      if (set.size === 0) this.#topics.delete(subscription.topic);
    }
    const returned = subscription.mailbox.slice(subscription.head);
    subscription.mailbox = [];
    subscription.head = 0;
    for (const letter of returned) settleOne(letter.tally);
  }

  #take(subscription: Subscription): Letter | undefined {
    if (subscription.head >= subscription.mailbox.length) return undefined;
    const letter = subscription.mailbox[subscription.head]!;
    subscription.head += 1;
    if (subscription.head > 64 && subscription.head * 2 > subscription.mailbox.length) {
      subscription.mailbox = subscription.mailbox.slice(subscription.head);
      subscription.head = 0;
    }
    return letter;
  }

  #report(error: unknown, topic: string, payload: unknown): void {
    try {
      const returned: unknown = this.#onError(error, { topic, payload });
      if (isThenable(returned)) returned.then(undefined, () => undefined);
    } catch {
      // onError is the caller's last resort; a failure there must not break delivery.
    }
  }

  #pump(subscription: Subscription): void {
    if (subscription.busy) return;
    subscription.busy = true;
    for (;;) {
      if (!subscription.alive) break;
      const letter = this.#take(subscription);
      if (letter === undefined) break;
      letter.tally.delivered += 1;
      let result: unknown;
      try {
        result = Reflect.apply(subscription.handler, undefined, [letter.payload]);
      } catch (error) {
        this.#report(error, subscription.topic, letter.payload);
        settleOne(letter.tally);
        continue;
      }
      let thenable = false;
      try {
        thenable = isThenable(result);
      } catch (error) {
        // a `then` getter that throws: treat like a rejection
        this.#report(error, subscription.topic, letter.payload);
        settleOne(letter.tally);
        continue;
      }
      if (!thenable) {
        settleOne(letter.tally);
        continue;
      }
      const finish = (): void => {
        settleOne(letter.tally);
        subscription.busy = false;
        this.#pump(subscription);
      };
      Promise.resolve(result as PromiseLike<unknown>).then(finish, (error: unknown) => {
        this.#report(error, subscription.topic, letter.payload);
        finish();
      });
      return; // still busy until the handler's promise settles
    }
    subscription.busy = false;
  }
}
