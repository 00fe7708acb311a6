import { NotImplementedError } from '../../harness/kit/index.ts';
import type { Database } from '../../harness/kit/db/index.ts';

/** See README.md for the full rules, the result table and examples. */

export type PaymentStatus = 'success' | 'failed' | 'pending';

/** The provider's event, as the seeds define it. */
export interface PaymentWebhook {
  readonly paymentId: string;
  readonly status: PaymentStatus;
  /** Minor units (cents): a positive safe integer. */
  readonly amount: number;
  readonly userId: string;
  /** The provider's event id: 1 to 255 characters. Every redelivery of the event carries the same one. */
  readonly idempotencyKey: string;
}

/** An HTTP request as the route receives it: the body exactly as sent, and the headers. */
export interface SignedDelivery {
  readonly rawBody: string;
  /** Header names may be in any case; the signature is in `payment-signature`. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface SubscriptionRequest {
  readonly paymentId: string;
  readonly userId: string;
  readonly amount: number;
}

/** The subscription service: another team's API. It rejects when it is unhealthy. */
export interface SubscriptionService {
  create(
    request: SubscriptionRequest,
    options: { readonly idempotencyKey: string },
  ): Promise<{ readonly subscriptionId: string }>;
}

/** Read time and wait only through this. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface PaymentWebhookOptions {
  /** The kit's async SQLite handle. Create your tables with it. */
  readonly db: Database;
  readonly subscriptions: SubscriptionService;
  readonly clock: Clock;
  /** The signing secret, or several during a rotation. */
  readonly secret: string | readonly string[];
  /** How long an in-progress event is held. Default 30 000. */
  readonly leaseMs?: number;
  /** Calls to the subscription service before an event is dead-lettered. Default 5. */
  readonly maxAttempts?: number;
  /** The first retry delay; each later one doubles. Default 1 000. */
  readonly baseDelayMs?: number;
  /** How long a finished event is remembered. Default 7 days. */
  readonly retentionMs?: number;
  /** How far a signature's timestamp may be from clock.now(). Default 300 000. */
  readonly toleranceMs?: number;
}

export type WebhookResult =
  | {
      readonly outcome: 'processed';
      readonly httpStatus: 200;
      /** Set when the event created (or found) the payment's subscription. */
      readonly subscriptionId?: string;
    }
  | { readonly outcome: 'duplicate'; readonly httpStatus: 200 }
  | { readonly outcome: 'ignored'; readonly httpStatus: 200; readonly reason: 'stale-status' }
  | {
      readonly outcome: 'conflict';
      readonly httpStatus: 409;
      readonly reason: 'in-progress';
      /** When the current holder's lease runs out: 1 to leaseMs. */
      readonly retryAfterMs: number;
    }
  | { readonly outcome: 'conflict'; readonly httpStatus: 422; readonly reason: 'payload-mismatch' }
  | {
      readonly outcome: 'rejected';
      readonly httpStatus: 401;
      readonly reason: 'missing-signature' | 'bad-signature' | 'stale-timestamp';
    }
  | { readonly outcome: 'dead-lettered'; readonly httpStatus: 202; readonly attempts: number };

export interface Subscription {
  readonly subscriptionId: string;
  readonly paymentId: string;
  readonly userId: string;
  readonly amount: number;
  readonly createdAt: number;
}

export interface DeadLetter {
  readonly idempotencyKey: string;
  readonly webhook: PaymentWebhook;
  /** Failed calls to the subscription service, over every run. */
  readonly attempts: number;
  /** The last error's message. */
  readonly lastError: string;
  readonly deadLetteredAt: number;
}

export interface PaymentWebhookHandler {
  /** The HTTP route: verifies the signature, parses the body, handles the event. */
  receiveWebhook(delivery: SignedDelivery): Promise<WebhookResult>;
  /** Handles an already verified event. */
  handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult>;
  getSubscriptionsByPaymentId(paymentId: string): Promise<Subscription[]>;
  getPaymentStatus(paymentId: string): Promise<PaymentStatus | undefined>;
  /** Oldest first. */
  listDeadLetters(): Promise<DeadLetter[]>;
  replayDeadLetter(idempotencyKey: string): Promise<WebhookResult>;
  /** Deletes finished events older than retentionMs; resolves to how many. */
  purgeExpired(): Promise<number>;
}

/** A payload that is not a PaymentWebhook. Nothing is stored for it. */
export class InvalidWebhookError extends Error {
  readonly code = 'ERR_INVALID_WEBHOOK';

  constructor(
    /** The offending field, e.g. "amount", or "body" when the body is not JSON. */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidWebhookError';
  }
}

/** replayDeadLetter was given a key that is not in the dead-letter queue. */
export class DeadLetterNotFoundError extends Error {
  readonly code = 'ERR_DEAD_LETTER_NOT_FOUND';

  constructor(readonly idempotencyKey: string) {
    super(`no dead letter with idempotency key ${JSON.stringify(idempotencyKey)}`);
    this.name = 'DeadLetterNotFoundError';
  }
}

/** Creates the handler's tables if they do not exist, then resolves to the handler. */
export async function createPaymentWebhookHandler(options: PaymentWebhookOptions): Promise<PaymentWebhookHandler> {
  throw new NotImplementedError('createPaymentWebhookHandler');
}
