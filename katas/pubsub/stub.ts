import { NotImplementedError } from '../../harness/kit/index.ts';

/** A subscriber's callback. It may return a promise; its invocations never overlap. */
export type Handler<Payload = unknown> = (payload: Payload) => unknown;

/** Returned by subscribe. Idempotent: calling it again does nothing. */
export type Unsubscribe = () => void;

/** What onError is told about a handler that threw or rejected. */
export interface FailedDelivery {
  readonly topic: string;
  readonly payload: unknown;
}

export interface PubSubOptions {
  /**
   * Receives every error a handler throws or rejects with, with the topic and payload it was
   * handling. If it throws or rejects itself, that error is dropped and delivery goes on.
   */
  readonly onError: (error: unknown, delivery: FailedDelivery) => void;
}

/**
 * In-process publish/subscribe with ordered, isolated delivery.
 *
 * - Per subscription, payloads arrive in publish order and a handler's invocations never overlap,
 *   even when publish is called many times without awaiting. A slow or stuck handler never delays
 *   the other subscriptions.
 * - A handler that throws or rejects never stops delivery to the others and never rejects publish:
 *   its error goes to `onError` with the topic and payload.
 * - Bad arguments get a TypeError that names the argument and what was received.
 *
 * See README.md for the full contract and examples.
 */
export class PubSub {
  /** Throws a TypeError unless `options.onError` is a function. */
  constructor(options: PubSubOptions) {
    throw new NotImplementedError('new PubSub');
  }

  /**
   * Adds a subscription and returns the function that removes it. Subscribing the same handler
   * twice makes two subscriptions. A subscription added while a payload is being published does
   * not receive that payload.
   */
  subscribe<Payload = unknown>(topic: string, handler: Handler<Payload>): Unsubscribe {
    throw new NotImplementedError('PubSub.subscribe');
  }

  /**
   * Delivers `payload` to every subscription the topic has at the moment of the call. Resolves,
   * never rejects, with the number of handlers the payload was delivered to, once each of them has
   * finished with it. A bad topic gives a promise rejected with a TypeError.
   */
  publish(topic: string, payload?: unknown): Promise<number> {
    throw new NotImplementedError('PubSub.publish');
  }

  /** How many subscriptions the topic has now. */
  subscriberCount(topic: string): number {
    throw new NotImplementedError('PubSub.subscriberCount');
  }

  /** How many topics this instance remembers: only topics with at least one subscription. */
  topicCount(): number {
    throw new NotImplementedError('PubSub.topicCount');
  }
}
