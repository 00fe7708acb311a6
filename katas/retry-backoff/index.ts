import { NotImplementedError } from '../../harness/kit/index.ts';

/*
 * A retrier that does not overwhelm a failing service. See README.md for the full contract.
 *
 * Time, sleeping and randomness are always injectable (`now`, `sleep`, `random`): the tests
 * never sleep for real, and neither should your code when they are given.
 */

// ---------------------------------------------------------------------------------------------
// Errors: part of the API, already written. Tests identify them by `code`.
// ---------------------------------------------------------------------------------------------

export type GiveUpReason = 'attempts-exhausted' | 'not-retryable' | 'budget-exhausted' | 'circuit-open';

/** retry() gave up. `errors` holds every attempt's error in order; `cause` is the last one. */
export class RetryError extends Error {
  readonly code = 'ERR_RETRY_FAILED';
  readonly reason: GiveUpReason;
  /** How many times fn was called. */
  readonly attempts: number;
  readonly errors: readonly unknown[];

  constructor(reason: GiveUpReason, attempts: number, errors: readonly unknown[], cause: unknown) {
    super(
      `gave up after ${attempts} attempt(s) (${reason}): ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'RetryError';
    this.reason = reason;
    this.attempts = attempts;
    this.errors = errors;
  }
}

/** The circuit breaker refused a call without making it. */
export class CircuitOpenError extends Error {
  readonly code = 'ERR_CIRCUIT_OPEN';
  /** How long until the breaker lets a trial call through; 0 while a trial is already running. */
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number) {
    super(
      retryAfterMs > 0
        ? `circuit open: calls are refused for another ${Math.ceil(retryAfterMs)} ms`
        : 'circuit half-open: a trial call is already running',
    );
    this.name = 'CircuitOpenError';
    this.retryAfterMs = retryAfterMs;
  }
}

// ---------------------------------------------------------------------------------------------
// retry()
// ---------------------------------------------------------------------------------------------

export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

export interface RetryEvent {
  /** The attempt that just failed, counted from 1. */
  readonly attempt: number;
  readonly error: unknown;
  /** How long retry() will sleep before the next attempt. */
  readonly delayMs: number;
}

export interface RetryOptions {
  /** Total calls of fn, the first one included (not the number of retries). Default 3. */
  maxAttempts?: number;
  /** The first delay's ceiling in ms. Default 100. */
  baseDelayMs?: number;
  /** No delay is ever longer than this, Retry-After included. Default 20 000. */
  maxDelayMs?: number;
  /** Growth of the ceiling per attempt. Default 2. */
  factor?: number;
  /** Default 'full'. */
  jitter?: Jitter;
  /** Whether the error of attempt `attempt` (from 1) is worth another try. Default: unless error.retryable === false. */
  shouldRetry?: (error: unknown, attempt: number) => boolean | Promise<boolean>;
  /** Called before each sleep. */
  onRetry?: (event: RetryEvent) => void;
  /** Aborting rejects at once with signal.reason; fn is never called again. */
  signal?: AbortSignal;
  /** Shared by many callers: a retry needs a token. */
  budget?: RetryBudget;
  /** Shared by many callers: every attempt goes through it. */
  breaker?: CircuitBreaker;
  /** Current time in epoch ms. Default Date.now. */
  now?: () => number;
  /** Resolves after `ms`; rejects with signal.reason if the signal aborts. Default: a setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A number in [0, 1). Default Math.random. */
  random?: () => number;
}

/**
 * Calls `fn(attempt)` until it succeeds, sleeping between attempts. Rejects with a RetryError
 * when it gives up, or with `signal.reason` as soon as the signal aborts.
 */
export function retry<T>(fn: (attempt: number) => T | Promise<T>, options?: RetryOptions): Promise<T> {
  throw new NotImplementedError('retry');
}

// ---------------------------------------------------------------------------------------------
// RetryBudget
// ---------------------------------------------------------------------------------------------

export interface RetryBudgetOptions {
  /** Retry tokens each call earns: 0.1 allows one retry per ten calls. Default 0.1. */
  ratio?: number;
  /** Tokens in the bucket at the start, before any call has earned one. Default 10. */
  initialTokens?: number;
  /** The most tokens the bucket holds. Default 100. */
  maxTokens?: number;
}

/** A token bucket shared by every caller of one dependency (like the AWS SDKs' retry quota). */
export class RetryBudget {
  constructor(options?: RetryBudgetOptions) {
    throw new NotImplementedError('RetryBudget');
  }

  /** The balance: the tokens left, fractions included (a retry needs a whole one). */
  get tokens(): number {
    throw new NotImplementedError('RetryBudget.tokens');
  }

  /** A new call (its first attempt) earns `ratio` tokens, up to `maxTokens`. */
  recordCall(): void {
    throw new NotImplementedError('RetryBudget.recordCall');
  }

  /** Spends one token for a retry; false, spending nothing, when less than one is left. */
  tryAcquireRetry(): boolean {
    throw new NotImplementedError('RetryBudget.tryAcquireRetry');
  }
}

// ---------------------------------------------------------------------------------------------
// CircuitBreaker
// ---------------------------------------------------------------------------------------------

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitStateChange {
  readonly from: CircuitState;
  readonly to: CircuitState;
  /** The injected clock's time of the change. */
  readonly at: number;
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before it lets a trial call through. Default 30 000. */
  resetTimeoutMs?: number;
  /** Trial calls allowed at once while half-open. Default 1. */
  halfOpenMaxCalls?: number;
  /** Current time in epoch ms. Default Date.now. */
  now?: () => number;
  /** Called on every state change. */
  onStateChange?: (change: CircuitStateChange) => void;
}

export class CircuitBreaker {
  constructor(options?: CircuitBreakerOptions) {
    throw new NotImplementedError('CircuitBreaker');
  }

  get state(): CircuitState {
    throw new NotImplementedError('CircuitBreaker.state');
  }

  /** Calls `fn` if the circuit allows it; otherwise rejects with CircuitOpenError without calling it. */
  execute<T>(fn: () => T | Promise<T>): Promise<T> {
    throw new NotImplementedError('CircuitBreaker.execute');
  }
}

// ---------------------------------------------------------------------------------------------
// createSubscriptionWithRetry()
// ---------------------------------------------------------------------------------------------

export interface ChargeRequest {
  readonly userId: string;
  readonly productId: string;
  /** The same key on every attempt: the gateway charges a key at most once. */
  readonly idempotencyKey: string;
}

export interface Charge {
  readonly chargeId: string;
}

export interface PaymentService {
  charge(request: ChargeRequest): Promise<Charge>;
}

export interface SubscriptionRecord {
  readonly id: string;
  readonly userId: string;
  readonly productId: string;
  readonly chargeId: string;
}

export interface Subscription extends SubscriptionRecord {
  readonly status: 'active';
  /** 'queued' when the confirmation failed and was handed to the notification queue. */
  readonly notification: 'sent' | 'queued';
}

export interface NotificationService {
  sendSubscriptionConfirmation(subscription: SubscriptionRecord): Promise<void>;
}

export interface NotificationJob {
  readonly subscriptionId: string;
  readonly userId: string;
  readonly productId: string;
  /** Why the confirmation could not be sent now. */
  readonly error: unknown;
}

export interface NotificationQueue {
  enqueue(job: NotificationJob): void | Promise<void>;
}

export interface CreateSubscriptionRequest {
  readonly userId: string;
  readonly productId: string;
  readonly paymentService: PaymentService;
  readonly notificationService: NotificationService;
  readonly notificationQueue: NotificationQueue;
  /** The client's key for this purchase, when it has one; otherwise make one per call. */
  readonly idempotencyKey?: string;
  /** Retry options for the payment: clock, sleep, random, budget, breaker, limits. */
  readonly retry?: RetryOptions;
}

/**
 * Charges the payment (retrying, at most one charge), then sends the confirmation; a failed
 * confirmation is queued and never fails the subscription.
 */
export function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  throw new NotImplementedError('createSubscriptionWithRetry');
}
