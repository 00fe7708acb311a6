/**
 * Reference: idempotency keys with recovery points, in the style payment APIs use for their own
 * idempotent requests.
 *
 * Every event is a row keyed by the provider's idempotency key. Taking the row is one IMMEDIATE
 * transaction (insert it, or find it and decide: duplicate, payload mismatch, held by a live lease,
 * or abandoned and free to take over). The work then runs in atomic phases, each ending in a
 * recovery point stored on the row, with the one foreign call (the subscription service) between
 * them, made outside any transaction with an idempotency key derived from the payment. Every write
 * after the claim is fenced by the lease token, so a holder that lost its lease changes nothing.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Database, Queryable } from '../../harness/kit/db/index.ts';

export type PaymentStatus = 'success' | 'failed' | 'pending';

export interface PaymentWebhook {
  readonly paymentId: string;
  readonly status: PaymentStatus;
  readonly amount: number;
  readonly userId: string;
  readonly idempotencyKey: string;
}

export interface SignedDelivery {
  readonly rawBody: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface SubscriptionRequest {
  readonly paymentId: string;
  readonly userId: string;
  readonly amount: number;
}

export interface SubscriptionService {
  create(
    request: SubscriptionRequest,
    options: { readonly idempotencyKey: string },
  ): Promise<{ readonly subscriptionId: string }>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface PaymentWebhookOptions {
  readonly db: Database;
  readonly subscriptions: SubscriptionService;
  readonly clock: Clock;
  readonly secret: string | readonly string[];
  readonly leaseMs?: number;
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly retentionMs?: number;
  readonly toleranceMs?: number;
}

export type WebhookResult =
  | { readonly outcome: 'processed'; readonly httpStatus: 200; readonly subscriptionId?: string }
  | { readonly outcome: 'duplicate'; readonly httpStatus: 200 }
  | { readonly outcome: 'ignored'; readonly httpStatus: 200; readonly reason: 'stale-status' }
  | {
      readonly outcome: 'conflict';
      readonly httpStatus: 409;
      readonly reason: 'in-progress';
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
  readonly attempts: number;
  readonly lastError: string;
  readonly deadLetteredAt: number;
}

export interface PaymentWebhookHandler {
  receiveWebhook(delivery: SignedDelivery): Promise<WebhookResult>;
  handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult>;
  getSubscriptionsByPaymentId(paymentId: string): Promise<Subscription[]>;
  getPaymentStatus(paymentId: string): Promise<PaymentStatus | undefined>;
  listDeadLetters(): Promise<DeadLetter[]>;
  replayDeadLetter(idempotencyKey: string): Promise<WebhookResult>;
  purgeExpired(): Promise<number>;
}

/** Each error's `name` is its class's, so a stack trace or a log line says which one it is. */
class WebhookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidWebhookError extends WebhookError {
  readonly code = 'ERR_INVALID_WEBHOOK';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class DeadLetterNotFoundError extends WebhookError {
  readonly code = 'ERR_DEAD_LETTER_NOT_FOUND';

  constructor(readonly idempotencyKey: string) {
    super(`no dead letter with idempotency key ${JSON.stringify(idempotencyKey)}`);
  }
}

export async function createPaymentWebhookHandler(options: PaymentWebhookOptions): Promise<PaymentWebhookHandler> {
  return WebhookProcessor.open(options);
}

// ---------------------------------------------------------------------------------------------
// Settings

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_KEY_LENGTH = 255;
export const SIGNATURE_HEADER = 'payment-signature';

export interface Settings {
  readonly db: Database;
  readonly subscriptions: SubscriptionService;
  readonly clock: Clock;
  readonly secrets: readonly string[];
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly retentionMs: number;
  readonly toleranceMs: number;
}

/** What the handler calls on the kit's handle; a value without one of them is not the handle. */
const DB_METHODS = ['transaction', 'run', 'get', 'all', 'exec'] as const;

export function readSettings(given: PaymentWebhookOptions): Settings {
  // No options at all is every option missing, and reported as the first one.
  const options = given ?? ({} as PaymentWebhookOptions);
  const fail = (name: string, expected: string, received: unknown): never => {
    throw new TypeError(
      `createPaymentWebhookHandler: "${name}" must be ${expected}, received ${describeValue(received)}`,
    );
  };
  const { db, subscriptions, clock, secret } = options;
  if (DB_METHODS.some((method) => typeof db?.[method] !== 'function')) fail('db', 'the kit database', db);
  if (typeof subscriptions?.create !== 'function') fail('subscriptions', 'an object with create()', subscriptions);
  if (typeof clock?.now !== 'function' || typeof clock?.sleep !== 'function') {
    fail('clock', 'an object with now() and sleep()', clock);
  }
  const secrets = typeof secret === 'string' ? [secret] : Array.isArray(secret) ? [...(secret as string[])] : [];
  if (secrets.length === 0 || secrets.some((entry) => typeof entry !== 'string' || entry === '')) {
    fail('secret', 'a non-empty string or a non-empty array of them', secret);
  }
  const positive = (name: keyof PaymentWebhookOptions, fallback: number): number => {
    const value = options[name] ?? fallback;
    return Number.isSafeInteger(value) && (value as number) > 0
      ? (value as number)
      : fail(name, 'a positive integer', value);
  };
  return {
    db,
    subscriptions,
    clock,
    secrets,
    leaseMs: positive('leaseMs', 30_000),
    maxAttempts: positive('maxAttempts', 5),
    baseDelayMs: positive('baseDelayMs', 1_000),
    retentionMs: positive('retentionMs', 7 * DAY_MS),
    toleranceMs: positive('toleranceMs', 300_000),
  };
}

// ---------------------------------------------------------------------------------------------
// Payloads

const STATUSES: readonly PaymentStatus[] = ['pending', 'failed', 'success'];

/** Checks an untrusted value field by field; the error names the first field that is wrong. */
export function parseWebhook(value: unknown): PaymentWebhook {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidWebhookError('webhook', `the webhook must be an object, received ${describeValue(value)}`);
  }
  const record = value as Record<string, unknown>;
  const text = (field: string, maxLength: number): string => {
    const entry = record[field];
    if (typeof entry !== 'string' || entry.length === 0 || entry.length > maxLength) {
      throw new InvalidWebhookError(
        field,
        `webhook.${field} must be a string of 1 to ${maxLength} characters, received ${describeValue(entry)}`,
      );
    }
    return entry;
  };
  const status = record.status;
  if (!STATUSES.includes(status as PaymentStatus)) {
    throw new InvalidWebhookError(
      'status',
      `webhook.status must be one of ${STATUSES.join(', ')}, received ${describeValue(status)}`,
    );
  }
  const amount = record.amount;
  if (!Number.isSafeInteger(amount) || (amount as number) <= 0) {
    throw new InvalidWebhookError(
      'amount',
      `webhook.amount must be a positive integer number of minor units (cents), received ${describeValue(amount)}`,
    );
  }
  return {
    paymentId: text('paymentId', MAX_KEY_LENGTH),
    status: status as PaymentStatus,
    amount: amount as number,
    userId: text('userId', MAX_KEY_LENGTH),
    idempotencyKey: text('idempotencyKey', MAX_KEY_LENGTH),
  };
}

/** What "the same payload" means: every field but the key itself, in a fixed order. */
export function fingerprint(webhook: PaymentWebhook): string {
  const canonical = JSON.stringify([webhook.paymentId, webhook.status, webhook.amount, webhook.userId]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** Rank in the status order: an event applies only if it moves the payment strictly forward. */
export function statusRank(status: PaymentStatus): number {
  return STATUSES.indexOf(status);
}

/** A received value as a message shows it: a string quoted (so "" shows), an object by kind, the rest as written. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

// ---------------------------------------------------------------------------------------------
// Signatures

export type SignatureVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing-signature' | 'bad-signature' | 'stale-timestamp' };

export interface SignatureHeader {
  /** Seconds since the epoch, as the provider wrote it. */
  readonly timestamp: number;
  readonly signatures: readonly string[];
}

/** Reads `t=...,v1=...,v1=...`; unknown schemes are skipped, so the provider can add one. */
export function parseSignatureHeader(header: string): SignatureHeader | undefined {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    const name = part.slice(0, separator);
    const value = part.slice(separator + 1);
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (name === 'v1') signatures.push(value);
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
}

export function headerValue(headers: SignedDelivery['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * Accepts when the timestamp is fresh and any v1 signature matches any secret. The comparison is
 * constant-time on equal-length digests; the length and format checks only reveal what the
 * attacker already knows (the shape of their own input).
 */
export function verifySignature(
  delivery: SignedDelivery,
  secrets: readonly string[],
  nowMs: number,
  toleranceMs: number,
): SignatureVerdict {
  const header = headerValue(delivery.headers, SIGNATURE_HEADER);
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing-signature' };
  const parsed = parseSignatureHeader(header);
  if (parsed === undefined) return { ok: false, reason: 'bad-signature' };
  if (Math.abs(nowMs - parsed.timestamp * 1000) > toleranceMs) return { ok: false, reason: 'stale-timestamp' };
  const provided = parsed.signatures.filter((signature) => HEX_SHA256.test(signature));
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${parsed.timestamp}.${delivery.rawBody}`).digest();
    for (const signature of provided) {
      if (timingSafeEqual(Buffer.from(signature, 'hex'), expected)) return { ok: true };
    }
  }
  return { ok: false, reason: 'bad-signature' };
}

// ---------------------------------------------------------------------------------------------
// Storage

export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS webhook_events (
    idempotency_key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    payload TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('processing', 'finished', 'dead')),
    -- How far the work got: 'received', then 'status-applied' (success events only), then finished.
    recovery_point TEXT NOT NULL CHECK (recovery_point IN ('received', 'status-applied')),
    lease_token TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    received_at INTEGER NOT NULL,
    finished_at INTEGER,
    dead_lettered_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS webhook_events_by_state ON webhook_events (state, finished_at);
  CREATE TABLE IF NOT EXISTS payments (
    payment_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS subscriptions (
    subscription_id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    amount INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
`;

export interface EventRow {
  readonly idempotency_key: string;
  readonly fingerprint: string;
  readonly payload: string;
  readonly state: 'processing' | 'finished' | 'dead';
  readonly recovery_point: 'received' | 'status-applied';
  readonly lease_token: string | null;
  readonly lease_until: number;
  readonly attempts: number;
  readonly last_error: string | null;
  readonly dead_lettered_at: number | null;
}

/** The right to work on one event while its lease lasts; every write checks the token is still ours. */
export interface Lease {
  readonly key: string;
  readonly token: string;
  readonly recoveryPoint: EventRow['recovery_point'];
}

export type Claim =
  { readonly kind: 'owned'; readonly lease: Lease } | { readonly kind: 'answered'; readonly result: WebhookResult };

/**
 * Another delivery took the event over while this one was working. Never leaves the handler: the
 * delivery that catches it starts over and answers from what the new holder did.
 */
export class LeaseLostError extends Error {}

const DUPLICATE: WebhookResult = { outcome: 'duplicate', httpStatus: 200 };
const MISMATCH: WebhookResult = { outcome: 'conflict', httpStatus: 422, reason: 'payload-mismatch' };
const IGNORED: WebhookResult = { outcome: 'ignored', httpStatus: 200, reason: 'stale-status' };

// ---------------------------------------------------------------------------------------------
// The handler. Methods are protected, not private, so the wrong/ gallery can break one at a time.

export class WebhookProcessor implements PaymentWebhookHandler {
  protected constructor(protected readonly settings: Settings) {}

  static async open(options: PaymentWebhookOptions): Promise<PaymentWebhookHandler> {
    const processor = new this(readSettings(options));
    await processor.migrate();
    return processor;
  }

  protected get db(): Database {
    return this.settings.db;
  }

  protected now(): number {
    return this.settings.clock.now();
  }

  protected async migrate(): Promise<void> {
    await this.db.exec(SCHEMA);
  }

  async receiveWebhook(delivery: SignedDelivery): Promise<WebhookResult> {
    if (typeof delivery?.rawBody !== 'string') {
      throw new InvalidWebhookError(
        'body',
        `the delivery must carry a string rawBody, received ${describeValue(delivery)}`,
      );
    }
    const verdict = this.verify(delivery);
    if (!verdict.ok) return { outcome: 'rejected', httpStatus: 401, reason: verdict.reason };
    let parsed: unknown;
    try {
      parsed = JSON.parse(delivery.rawBody);
    } catch (error) {
      throw new InvalidWebhookError('body', `the body is not JSON: ${(error as Error).message}`);
    }
    return this.handlePaymentWebhook(parsed as PaymentWebhook);
  }

  protected verify(delivery: SignedDelivery): SignatureVerdict {
    return verifySignature(delivery, this.settings.secrets, this.now(), this.settings.toleranceMs);
  }

  async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    const event = parseWebhook(webhook);
    const claim = await this.claim(event);
    if (claim.kind === 'answered') return claim.result;
    return this.work(event, claim.lease);
  }

  /**
   * One IMMEDIATE transaction, so two deliveries cannot both find the key free: the second one's
   * BEGIN waits until the first has committed its row.
   */
  protected claim(event: PaymentWebhook): Promise<Claim> {
    const now = this.now();
    const token = randomUUID();
    return this.db.transaction(
      async (tx): Promise<Claim> => {
        const row = await tx.get<EventRow>(
          'SELECT * FROM webhook_events WHERE idempotency_key = ?',
          event.idempotencyKey,
        );
        if (row === undefined) {
          await tx.run(
            `INSERT INTO webhook_events
               (idempotency_key, fingerprint, payload, payment_id, state, recovery_point, lease_token, lease_until, received_at)
             VALUES (?, ?, ?, ?, 'processing', 'received', ?, ?, ?)`,
            event.idempotencyKey,
            fingerprint(event),
            JSON.stringify(event),
            event.paymentId,
            token,
            now + this.settings.leaseMs,
            now,
          );
          return { kind: 'owned', lease: { key: event.idempotencyKey, token, recoveryPoint: 'received' } };
        }
        if (!this.samePayload(row, event)) return { kind: 'answered', result: MISMATCH };
        if (row.state !== 'processing') return { kind: 'answered', result: DUPLICATE };
        if (row.lease_until > now) {
          return {
            kind: 'answered',
            result: {
              outcome: 'conflict',
              httpStatus: 409,
              reason: 'in-progress',
              retryAfterMs: row.lease_until - now,
            },
          };
        }
        // The holder crashed, or gave the event back after a failure: take it over where it stopped.
        await tx.run(
          'UPDATE webhook_events SET lease_token = ?, lease_until = ? WHERE idempotency_key = ?',
          token,
          now + this.settings.leaseMs,
          event.idempotencyKey,
        );
        return { kind: 'owned', lease: { key: event.idempotencyKey, token, recoveryPoint: row.recovery_point } };
      },
      { mode: 'immediate' },
    );
  }

  protected samePayload(row: EventRow, event: PaymentWebhook): boolean {
    return row.fingerprint === fingerprint(event);
  }

  /** Runs the remaining phases; on any failure gives the event back so a redelivery can finish it. */
  protected async work(event: PaymentWebhook, lease: Lease): Promise<WebhookResult> {
    try {
      if (lease.recoveryPoint === 'received') {
        const applied = await this.applyStatus(event, lease);
        if (applied !== undefined) return applied;
      }
      return await this.subscribe(event, lease);
    } catch (error) {
      // A holder that lost its lease starts over as a fresh delivery: it finds the event held or done.
      if (error instanceof LeaseLostError) return this.handlePaymentWebhook(event);
      await this.release(lease);
      throw error;
    }
  }

  /**
   * Phase 2: move the payment's status forward, or decide the event changes nothing. Events that
   * do not create a subscription finish here; a success event records that its status is applied,
   * so a takeover after a crash goes straight to the subscription instead of seeing 'success'
   * already in place and ignoring its own event.
   */
  protected applyStatus(event: PaymentWebhook, lease: Lease): Promise<WebhookResult | undefined> {
    const now = this.now();
    return this.db.transaction(
      async (tx) => {
        await this.assertLease(tx, lease);
        const payment = await tx.get<{ status: PaymentStatus }>(
          'SELECT status FROM payments WHERE payment_id = ?',
          event.paymentId,
        );
        if (!this.advances(payment?.status, event.status)) {
          await this.finish(tx, lease, now);
          return IGNORED;
        }
        await tx.run(
          `INSERT INTO payments (payment_id, status, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (payment_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
          event.paymentId,
          event.status,
          now,
        );
        if (event.status !== 'success') {
          await this.finish(tx, lease, now);
          return { outcome: 'processed', httpStatus: 200 } as const;
        }
        await tx.run(
          `UPDATE webhook_events SET recovery_point = 'status-applied' WHERE idempotency_key = ?`,
          lease.key,
        );
        return undefined;
      },
      { mode: 'immediate' },
    );
  }

  protected advances(current: PaymentStatus | undefined, next: PaymentStatus): boolean {
    return current === undefined || statusRank(next) > statusRank(current);
  }

  /** Phases 3 and 4: the foreign call, with retries, then the local record, fenced by the lease. */
  protected async subscribe(event: PaymentWebhook, lease: Lease): Promise<WebhookResult> {
    const created = await this.createWithRetries(event, lease);
    if (!created.ok) return this.deadLetter(lease, created.failures, created.lastError);
    const now = this.now();
    return this.db.transaction(
      async (tx) => {
        await this.assertLease(tx, lease);
        await tx.run(
          `INSERT INTO subscriptions (subscription_id, payment_id, user_id, amount, created_at)
           VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          created.subscriptionId,
          event.paymentId,
          event.userId,
          event.amount,
          now,
        );
        await this.finish(tx, lease, now);
        return { outcome: 'processed', httpStatus: 200, subscriptionId: created.subscriptionId } as const;
      },
      { mode: 'immediate' },
    );
  }

  protected async createWithRetries(
    event: PaymentWebhook,
    lease: Lease,
  ): Promise<{ ok: true; subscriptionId: string } | { ok: false; failures: number; lastError: string }> {
    const { subscriptions, clock } = this.settings;
    let lastError = '';
    for (let attempt = 1; ; attempt++) {
      // Renewing before each call keeps the lease ahead of the retry schedule and tells a holder
      // that was paused past its lease to stop before it calls anyone.
      await this.renewLease(lease);
      try {
        const { subscriptionId } = await subscriptions.create(
          { paymentId: event.paymentId, userId: event.userId, amount: event.amount },
          { idempotencyKey: this.subscriptionKey(event) },
        );
        if (typeof subscriptionId !== 'string' || subscriptionId === '') {
          throw new TypeError(`the subscription service answered without a subscriptionId`);
        }
        return { ok: true, subscriptionId };
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      if (this.shouldGiveUp(attempt)) return { ok: false, failures: attempt, lastError };
      await clock.sleep(this.retryDelayMs(attempt));
    }
  }

  /** A poison event must not retry forever: after maxAttempts it goes to the dead-letter queue. */
  protected shouldGiveUp(failedAttempts: number): boolean {
    return failedAttempts >= this.settings.maxAttempts;
  }

  /** The same for every delivery and every process that ever works on this payment. */
  protected subscriptionKey(event: PaymentWebhook): string {
    return `payment-webhook:${event.paymentId}:subscription`;
  }

  /** The wait after the n-th failed attempt: baseDelayMs, then doubling. */
  protected retryDelayMs(failedAttempts: number): number {
    return this.settings.baseDelayMs * 2 ** (failedAttempts - 1);
  }

  protected deadLetter(lease: Lease, failures: number, lastError: string): Promise<WebhookResult> {
    const now = this.now();
    return this.db.transaction(
      async (tx) => {
        await this.assertLease(tx, lease);
        await tx.run(
          `UPDATE webhook_events
             SET state = 'dead', attempts = attempts + ?, last_error = ?, dead_lettered_at = ?,
                 lease_token = NULL, lease_until = 0
           WHERE idempotency_key = ?`,
          failures,
          lastError,
          now,
          lease.key,
        );
        const row = await tx.get<{ attempts: number }>(
          'SELECT attempts FROM webhook_events WHERE idempotency_key = ?',
          lease.key,
        );
        return { outcome: 'dead-lettered', httpStatus: 202, attempts: row?.attempts ?? failures } as const;
      },
      { mode: 'immediate' },
    );
  }

  protected async finish(tx: Queryable, lease: Lease, now: number): Promise<void> {
    await tx.run(
      `UPDATE webhook_events SET state = 'finished', finished_at = ?, lease_token = NULL, lease_until = 0
       WHERE idempotency_key = ?`,
      now,
      lease.key,
    );
  }

  protected async assertLease(tx: Queryable, lease: Lease): Promise<void> {
    const row = await tx.get<{ lease_token: string | null }>(
      `SELECT lease_token FROM webhook_events WHERE idempotency_key = ? AND state = 'processing'`,
      lease.key,
    );
    if (row?.lease_token !== lease.token) throw new LeaseLostError();
  }

  protected async renewLease(lease: Lease): Promise<void> {
    const { changes } = await this.db.run(
      `UPDATE webhook_events SET lease_until = ?
       WHERE idempotency_key = ? AND lease_token = ? AND state = 'processing'`,
      this.now() + this.settings.leaseMs,
      lease.key,
      lease.token,
    );
    if (changes === 0) throw new LeaseLostError();
  }

  /** Gives the event back at once, keeping its recovery point, instead of making the provider wait out the lease. */
  protected async release(lease: Lease): Promise<void> {
    await this.db.run(
      `UPDATE webhook_events SET lease_token = NULL, lease_until = 0
       WHERE idempotency_key = ? AND lease_token = ? AND state = 'processing'`,
      lease.key,
      lease.token,
    );
  }

  async getSubscriptionsByPaymentId(paymentId: string): Promise<Subscription[]> {
    const rows = await this.db.all<{
      subscription_id: string;
      payment_id: string;
      user_id: string;
      amount: number;
      created_at: number;
    }>('SELECT * FROM subscriptions WHERE payment_id = ? ORDER BY created_at', paymentId);
    return rows.map((row) => ({
      subscriptionId: row.subscription_id,
      paymentId: row.payment_id,
      userId: row.user_id,
      amount: row.amount,
      createdAt: row.created_at,
    }));
  }

  async getPaymentStatus(paymentId: string): Promise<PaymentStatus | undefined> {
    const row = await this.db.get<{ status: PaymentStatus }>(
      'SELECT status FROM payments WHERE payment_id = ?',
      paymentId,
    );
    return row?.status;
  }

  async listDeadLetters(): Promise<DeadLetter[]> {
    const rows = await this.db.all<EventRow>(
      `SELECT * FROM webhook_events WHERE state = 'dead' ORDER BY dead_lettered_at, idempotency_key`,
    );
    return rows.map((row) => ({
      idempotencyKey: row.idempotency_key,
      webhook: JSON.parse(row.payload) as PaymentWebhook,
      attempts: row.attempts,
      lastError: row.last_error ?? '',
      deadLetteredAt: row.dead_lettered_at ?? 0,
    }));
  }

  /** Takes the dead letter back under a lease, so two replays cannot both run it. */
  async replayDeadLetter(idempotencyKey: string): Promise<WebhookResult> {
    const now = this.now();
    const token = randomUUID();
    const row = await this.db.transaction(
      async (tx) => {
        const found = await tx.get<EventRow>(
          `SELECT * FROM webhook_events WHERE idempotency_key = ? AND state = 'dead'`,
          idempotencyKey,
        );
        if (found === undefined) return undefined;
        await tx.run(
          `UPDATE webhook_events SET state = 'processing', lease_token = ?, lease_until = ? WHERE idempotency_key = ?`,
          token,
          now + this.settings.leaseMs,
          idempotencyKey,
        );
        return found;
      },
      { mode: 'immediate' },
    );
    if (row === undefined) throw new DeadLetterNotFoundError(idempotencyKey);
    const event = JSON.parse(row.payload) as PaymentWebhook;
    return this.work(event, { key: idempotencyKey, token, recoveryPoint: row.recovery_point });
  }

  async purgeExpired(): Promise<number> {
    const { changes } = await this.db.run(
      `DELETE FROM webhook_events WHERE state = 'finished' AND finished_at < ?`,
      this.now() - this.settings.retentionMs,
    );
    return changes;
  }
}
