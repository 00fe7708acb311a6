/**
 * The contract of README.md as plain, sequential, in-memory code: the spec's definition of what a
 * PubSub may do. The contract leaves two things open, the order in which different subscriptions
 * are called and whether a call happens inside publish() or a little later, so the model does not
 * predict calls: it is told of each call as it happens and says whether the contract allows it
 * then (`call`), and, once nothing is left to run, what must have happened by now (`idleWithWork`,
 * `isSettled`, the counts). Everything else it predicts exactly.
 */

/** One payload waiting for one subscription, and the publish waiting for it. */
interface ModelDelivery {
  readonly publish: ModelPublish;
}

export interface ModelSubscription {
  /** 1, 2, 3... in subscribe order: `#1` in messages. */
  readonly id: number;
  readonly topic: string;
  active: boolean;
  /** Payloads published to it and not yet handed to its handler, oldest first. */
  readonly queue: ModelDelivery[];
  /** The delivery its handler is working on now. */
  inFlight: ModelDelivery | undefined;
}

export interface ModelPublish {
  /** 1, 2, 3... in publish order: `publish 3` in messages. */
  readonly id: number;
  readonly topic: string;
  readonly payload: unknown;
  /** Subscriptions of its snapshot whose delivery is not finished nor discarded yet. */
  outstanding: number;
  /** Handlers called with the payload so far: what publish resolves to. */
  delivered: number;
}

/** A failed handler call, as onError must hear of it. */
export interface ExpectedReport {
  readonly error: unknown;
  readonly topic: string;
  readonly payload: unknown;
  /** Who failed on what, for messages. */
  readonly label: string;
}

export class PubSubModel {
  readonly subscriptions: ModelSubscription[] = [];
  readonly publishes: ModelPublish[] = [];
  readonly expectedReports: ExpectedReport[] = [];

  subscribe(topic: string): ModelSubscription {
    const subscription: ModelSubscription = {
      id: this.subscriptions.length + 1,
      topic,
      active: true,
      queue: [],
      inFlight: undefined,
    };
    this.subscriptions.push(subscription);
    return subscription;
  }

  /** Idempotent. Queued payloads are discarded; the call in progress, if any, may finish. */
  unsubscribe(subscription: ModelSubscription): void {
    if (!subscription.active) return;
    subscription.active = false;
    for (const delivery of subscription.queue.splice(0)) delivery.publish.outstanding--;
  }

  /** The snapshot: every active subscription of the topic now gets the payload, in order. */
  publish(topic: string, payload: unknown): ModelPublish {
    const publish: ModelPublish = { id: this.publishes.length + 1, topic, payload, outstanding: 0, delivered: 0 };
    this.publishes.push(publish);
    for (const subscription of this.subscriptions) {
      if (!subscription.active || subscription.topic !== topic) continue;
      subscription.queue.push({ publish });
      publish.outstanding++;
    }
    return publish;
  }

  /** Whether the contract lets `subscription`'s handler be called with `payload` now. */
  accepts(subscription: ModelSubscription, payload: unknown): boolean {
    const next = subscription.queue[0];
    return (
      subscription.active &&
      subscription.inFlight === undefined &&
      next !== undefined &&
      Object.is(next.publish.payload, payload)
    );
  }

  /**
   * A handler call happened. Returns undefined and records it when the contract allows it, or the
   * rule it breaks, in words, when it does not.
   */
  call(subscription: ModelSubscription, payload: unknown, show: (payload: unknown) => string): string | undefined {
    const who = `#${subscription.id} (topic ${JSON.stringify(subscription.topic)})`;
    if (!subscription.active) return `${who} was called with ${show(payload)} after its unsubscribe() had returned`;
    if (subscription.inFlight !== undefined) {
      return `${who} was called with ${show(payload)} while still handling ${show(subscription.inFlight.publish.payload)}`;
    }
    const position = subscription.queue.findIndex((delivery) => Object.is(delivery.publish.payload, payload));
    if (position > 0) {
      return `${who} was called with ${show(payload)} before ${show(subscription.queue[0]!.publish.payload)}, which was published first`;
    }
    if (position === -1) {
      const published = this.publishes.find((publish) => Object.is(publish.payload, payload));
      if (published === undefined) return `${who} was called with ${show(payload)}, which nobody published`;
      if (published.topic !== subscription.topic) {
        return `${who} was called with ${show(payload)}, published to topic ${JSON.stringify(published.topic)}`;
      }
      return `${who} was called with ${show(payload)}, published before it subscribed or already handled`;
    }
    const delivery = subscription.queue.shift()!;
    subscription.inFlight = delivery;
    delivery.publish.delivered++;
    return undefined;
  }

  /** The call in progress finished: returned, or failed with `failure.error`. */
  finish(subscription: ModelSubscription, failure?: { readonly error: unknown; readonly label: string }): void {
    const delivery = subscription.inFlight;
    if (delivery === undefined) throw new Error(`model: #${subscription.id} finished a call it was not making`);
    subscription.inFlight = undefined;
    delivery.publish.outstanding--;
    if (failure !== undefined) {
      this.expectedReports.push({
        error: failure.error,
        topic: subscription.topic,
        payload: delivery.publish.payload,
        label: failure.label,
      });
    }
  }

  /** Resolved, as far as the contract is concerned: no delivery of it is queued or in progress. */
  isSettled(publish: ModelPublish): boolean {
    return publish.outstanding === 0;
  }

  /** Subscriptions whose handler is idle while a payload waits for them: none, once all has run. */
  idleWithWork(): ModelSubscription[] {
    return this.subscriptions.filter(
      (subscription) => subscription.active && subscription.inFlight === undefined && subscription.queue.length > 0,
    );
  }

  subscriberCount(topic: string): number {
    return this.subscriptions.filter((subscription) => subscription.active && subscription.topic === topic).length;
  }

  topicCount(): number {
    return new Set(this.subscriptions.filter((s) => s.active).map((s) => s.topic)).size;
  }
}
