/**
 * Variant: written from README.md alone by someone who never read the reference: the holdout's
 * independent correct implementation, copied with only its type-only import path adjusted to this
 * folder. Its choices differ from the reference's: the status of a success event becomes visible
 * only once its subscription exists, the right to move a payment to success is claimed on the
 * payment row, the downstream idempotency key is the event's own key, and the dead-letter queue is
 * a table of its own.
 */
import crypto from 'node:crypto';
import type { Database, Transaction } from '../../../harness/kit/db/index.ts';

/**
 * Payment webhook handler.
 *
 * Design: every event lives in `pw_events`, keyed by the provider's idempotency key. An event in
 * progress carries a fencing token (`lease_token`) and an expiry (`lease_until`); every write made
 * by a holder is a compare-and-set on its token, so a holder that lost its lease cannot dead-letter
 * or renew over the new holder. The right to move a payment to `success` is claimed on the payment
 * row (`success_claim`), so two success events of one payment never both call the subscription
 * service. The dead-letter queue is its own table, ordered by an autoincrement sequence.
 */

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

// ---------------------------------------------------------------------------------------------
// helpers

const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_BASE_DELAY_MS = 1_000;
const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const DEFAULT_TOLERANCE_MS = 300_000;

const STATUS_RANK: Readonly<Record<PaymentStatus, number>> = { pending: 0, failed: 1, success: 2 };

const SIGNATURE_HEADER = 'payment-signature';

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return describe(error);
}

function invalid(field: string, expected: string, received: unknown): InvalidWebhookError {
  return new InvalidWebhookError(field, `${field} must be ${expected}, received ${describe(received)}`);
}

function requireNonEmptyString(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, 'a non-empty string', value);
  return value;
}

/** Checks an untrusted value and returns a PaymentWebhook holding only its five fields. */
function parseWebhook(input: unknown): PaymentWebhook {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('body', 'a JSON object describing a payment event', input);
  }
  const record = input as Record<string, unknown>;
  const paymentId = requireNonEmptyString(record, 'paymentId');
  const status = record.status;
  if (typeof status !== 'string' || !Object.prototype.hasOwnProperty.call(STATUS_RANK, status)) {
    throw invalid('status', "one of 'success', 'failed', 'pending'", status);
  }
  const amount = record.amount;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    throw invalid('amount', 'a positive safe integer (minor units)', amount);
  }
  const userId = requireNonEmptyString(record, 'userId');
  const idempotencyKey = record.idempotencyKey;
  if (typeof idempotencyKey !== 'string')
    throw invalid('idempotencyKey', 'a string of 1 to 255 characters', idempotencyKey);
  const length = [...idempotencyKey].length;
  if (length < 1 || length > 255) {
    throw invalid('idempotencyKey', `a string of 1 to 255 characters (got ${length})`, idempotencyKey);
  }
  return { paymentId, status: status as PaymentStatus, amount, userId, idempotencyKey };
}

/** The stored form of an event: the five fields in a fixed order, so equal payloads compare equal. */
function canonicalPayload(webhook: PaymentWebhook): string {
  return JSON.stringify({
    paymentId: webhook.paymentId,
    status: webhook.status,
    amount: webhook.amount,
    userId: webhook.userId,
    idempotencyKey: webhook.idempotencyKey,
  });
}

function readIntegerOption(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`${name} must be an integer of at least ${min}, received ${describe(value)}`);
  }
  return value;
}

function readSecrets(value: unknown): string[] {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? [...(value as unknown[])] : undefined;
  if (list === undefined || list.length === 0 || list.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new TypeError(`secret must be a non-empty string or a non-empty array of them, received ${describe(value)}`);
  }
  return list as string[];
}

function hasMethods(value: unknown, ...names: string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function')
  );
}

interface ParsedSignature {
  readonly timestamp: string | undefined;
  readonly v1: readonly string[];
}

function parseSignatureHeader(header: string): ParsedSignature {
  let timestamp: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp === undefined) timestamp = value;
    } else if (key === 'v1') {
      v1.push(value);
    }
  }
  return { timestamp, v1 };
}

function findHeader(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS pw_events (
    idempotency_key TEXT PRIMARY KEY,
    payment_id      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('in_progress', 'done', 'dead')),
    lease_token     INTEGER NOT NULL DEFAULT 0,
    lease_until     INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER
  );
  CREATE INDEX IF NOT EXISTS pw_events_finished ON pw_events (state, finished_at);
  CREATE TABLE IF NOT EXISTS pw_payments (
    payment_id    TEXT PRIMARY KEY,
    status        TEXT CHECK (status IS NULL OR status IN ('pending', 'failed', 'success')),
    success_claim TEXT,
    updated_at    INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS pw_subscriptions (
    payment_id      TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    event_key       TEXT NOT NULL,
    created_at      INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS pw_dead_letters (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key   TEXT NOT NULL UNIQUE,
    dead_lettered_at  INTEGER NOT NULL
  );
`;

interface EventRow {
  readonly idempotency_key: string;
  readonly payment_id: string;
  readonly payload: string;
  readonly state: 'in_progress' | 'done' | 'dead';
  readonly lease_token: number;
  readonly lease_until: number | null;
  readonly attempts: number;
  readonly last_error: string | null;
}

interface PaymentRow {
  readonly status: PaymentStatus | null;
  readonly success_claim: string | null;
}

interface SubscriptionRow {
  readonly subscription_id: string;
  readonly payment_id: string;
  readonly user_id: string;
  readonly amount: number;
  readonly created_at: number;
}

type Origin =
  { readonly kind: 'delivery' } | { readonly kind: 'replay'; readonly seq: number; readonly deadLetteredAt: number };

type Claim =
  | { readonly kind: 'result'; readonly result: WebhookResult }
  | { readonly kind: 'work'; readonly token: number; readonly priorAttempts: number };

const DUPLICATE: WebhookResult = { outcome: 'duplicate', httpStatus: 200 };
const IGNORED: WebhookResult = { outcome: 'ignored', httpStatus: 200, reason: 'stale-status' };
const MISMATCH: WebhookResult = { outcome: 'conflict', httpStatus: 422, reason: 'payload-mismatch' };

// ---------------------------------------------------------------------------------------------

/** Creates the handler's tables if they do not exist, then resolves to the handler. */
export async function createPaymentWebhookHandler(options: PaymentWebhookOptions): Promise<PaymentWebhookHandler> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object, received ${describe(options)}`);
  }
  if (!hasMethods(options.db, 'run', 'get', 'all', 'exec', 'transaction')) {
    throw new TypeError('db must be the kit database handle (run, get, all, exec, transaction)');
  }
  if (!hasMethods(options.subscriptions, 'create')) {
    throw new TypeError('subscriptions must be a subscription service with a create() method');
  }
  if (!hasMethods(options.clock, 'now', 'sleep')) {
    throw new TypeError('clock must have now() and sleep(ms) methods');
  }
  const secrets = readSecrets(options.secret);
  const leaseMs = readIntegerOption('leaseMs', options.leaseMs, DEFAULT_LEASE_MS, 1);
  const maxAttempts = readIntegerOption('maxAttempts', options.maxAttempts, DEFAULT_MAX_ATTEMPTS, 1);
  const baseDelayMs = readIntegerOption('baseDelayMs', options.baseDelayMs, DEFAULT_BASE_DELAY_MS, 0);
  const retentionMs = readIntegerOption('retentionMs', options.retentionMs, DEFAULT_RETENTION_MS, 0);
  const toleranceMs = readIntegerOption('toleranceMs', options.toleranceMs, DEFAULT_TOLERANCE_MS, 0);

  const { db, subscriptions, clock } = options;

  await db.transaction((tx) => tx.exec(SCHEMA), { mode: 'immediate' });

  const write = <T>(body: (tx: Transaction) => Promise<T>): Promise<T> => db.transaction(body, { mode: 'immediate' });

  const inProgress = (leaseUntil: number | null, now: number): WebhookResult => ({
    outcome: 'conflict',
    httpStatus: 409,
    reason: 'in-progress',
    retryAfterMs: Math.min(leaseMs, Math.max(1, (leaseUntil ?? now) - now)),
  });

  /** What a holder that lost its lease answers: whatever the event's current state says. */
  async function answerAfterLostLease(key: string): Promise<WebhookResult> {
    const event = await db.get<EventRow>('SELECT * FROM pw_events WHERE idempotency_key = ?', key);
    if (event?.state === 'in_progress') return inProgress(event.lease_until, clock.now());
    return DUPLICATE;
  }

  /** Extends the holder's lease, if it still holds it. */
  async function renewLease(key: string, token: number): Promise<boolean> {
    return write(async (tx) => {
      const result = await tx.run(
        "UPDATE pw_events SET lease_until = ? WHERE idempotency_key = ? AND lease_token = ? AND state = 'in_progress'",
        clock.now() + leaseMs,
        key,
        token,
      );
      return result.changes === 1;
    });
  }

  /** Records the subscription the service returned. Idempotent: a second finisher finds it done. */
  async function finishSuccess(webhook: PaymentWebhook, subscriptionId: string): Promise<WebhookResult> {
    return write(async (tx) => {
      const now = clock.now();
      const key = webhook.idempotencyKey;
      const event = await tx.get<EventRow>('SELECT * FROM pw_events WHERE idempotency_key = ?', key);
      if (event === undefined || event.state !== 'done') {
        await tx.run(
          `INSERT INTO pw_subscriptions (payment_id, subscription_id, user_id, amount, event_key, created_at)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (payment_id) DO NOTHING`,
          webhook.paymentId,
          subscriptionId,
          webhook.userId,
          webhook.amount,
          key,
          now,
        );
        await tx.run(
          `INSERT INTO pw_payments (payment_id, status, success_claim, updated_at) VALUES (?, 'success', NULL, ?)
           ON CONFLICT (payment_id) DO UPDATE SET status = 'success', success_claim = NULL, updated_at = excluded.updated_at`,
          webhook.paymentId,
          now,
        );
        await tx.run(
          "UPDATE pw_events SET state = 'done', lease_until = NULL, finished_at = ? WHERE idempotency_key = ?",
          now,
          key,
        );
        await tx.run('DELETE FROM pw_dead_letters WHERE idempotency_key = ?', key);
      }
      const stored = await tx.get<{ subscription_id: string }>(
        'SELECT subscription_id FROM pw_subscriptions WHERE payment_id = ?',
        webhook.paymentId,
      );
      return { outcome: 'processed', httpStatus: 200, subscriptionId: stored?.subscription_id ?? subscriptionId };
    });
  }

  async function deadLetter(key: string, token: number, attempts: number, lastError: string): Promise<WebhookResult> {
    const done = await write(async (tx) => {
      const now = clock.now();
      const result = await tx.run(
        `UPDATE pw_events SET state = 'dead', lease_until = NULL, attempts = ?, last_error = ?
         WHERE idempotency_key = ? AND lease_token = ? AND state = 'in_progress'`,
        attempts,
        lastError,
        key,
        token,
      );
      if (result.changes !== 1) return false;
      await tx.run('INSERT INTO pw_dead_letters (idempotency_key, dead_lettered_at) VALUES (?, ?)', key, now);
      return true;
    });
    if (!done) return answerAfterLostLease(key);
    return { outcome: 'dead-lettered', httpStatus: 202, attempts };
  }

  /** The calls to the subscription service, outside any transaction, with backoff between them. */
  async function attemptAll(webhook: PaymentWebhook, token: number, priorAttempts: number): Promise<WebhookResult> {
    const key = webhook.idempotencyKey;
    let failures = 0;
    let lastError = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) {
        await clock.sleep(baseDelayMs * 2 ** (attempt - 2));
        if (!(await renewLease(key, token))) return answerAfterLostLease(key);
      }
      let subscriptionId: string;
      try {
        const response = await subscriptions.create(
          { paymentId: webhook.paymentId, userId: webhook.userId, amount: webhook.amount },
          { idempotencyKey: key },
        );
        if (typeof response?.subscriptionId !== 'string' || response.subscriptionId.length === 0) {
          throw new Error(`subscription service returned no subscriptionId: ${describe(response)}`);
        }
        subscriptionId = response.subscriptionId;
      } catch (error) {
        failures++;
        lastError = errorMessage(error);
        continue;
      }
      return finishSuccess(webhook, subscriptionId);
    }
    return deadLetter(key, token, priorAttempts + failures, lastError);
  }

  /** Gives the event back after an unexpected failure, so the next delivery (or replay) processes it. */
  async function release(key: string, token: number, origin: Origin): Promise<void> {
    await write(async (tx) => {
      if (origin.kind === 'replay') {
        const result = await tx.run(
          `UPDATE pw_events SET state = 'dead', lease_until = NULL
           WHERE idempotency_key = ? AND lease_token = ? AND state = 'in_progress'`,
          key,
          token,
        );
        if (result.changes === 1) {
          await tx.run(
            'INSERT OR IGNORE INTO pw_dead_letters (seq, idempotency_key, dead_lettered_at) VALUES (?, ?, ?)',
            origin.seq,
            key,
            origin.deadLetteredAt,
          );
        }
      } else {
        await tx.run(
          "UPDATE pw_events SET lease_until = ? WHERE idempotency_key = ? AND lease_token = ? AND state = 'in_progress'",
          clock.now(),
          key,
          token,
        );
      }
    });
  }

  async function runClaimed(
    webhook: PaymentWebhook,
    token: number,
    priorAttempts: number,
    origin: Origin,
  ): Promise<WebhookResult> {
    try {
      return await attemptAll(webhook, token, priorAttempts);
    } catch (error) {
      try {
        await release(webhook.idempotencyKey, token, origin);
      } catch {
        // the lease runs out by itself; the original failure is what the caller needs
      }
      throw error;
    }
  }

  async function handle(webhook: PaymentWebhook): Promise<WebhookResult> {
    const key = webhook.idempotencyKey;
    const payload = canonicalPayload(webhook);
    const claim = await write<Claim>(async (tx) => {
      const now = clock.now();
      const event = await tx.get<EventRow>('SELECT * FROM pw_events WHERE idempotency_key = ?', key);
      if (event !== undefined) {
        if (event.payload !== payload) return { kind: 'result', result: MISMATCH };
        if (event.state !== 'in_progress') return { kind: 'result', result: DUPLICATE };
        if (event.lease_until !== null && event.lease_until > now) {
          return { kind: 'result', result: inProgress(event.lease_until, now) };
        }
        const token = event.lease_token + 1;
        await tx.run(
          'UPDATE pw_events SET lease_token = ?, lease_until = ? WHERE idempotency_key = ?',
          token,
          now + leaseMs,
          key,
        );
        return { kind: 'work', token, priorAttempts: event.attempts };
      }

      const payment = await tx.get<PaymentRow>(
        'SELECT status, success_claim FROM pw_payments WHERE payment_id = ?',
        webhook.paymentId,
      );
      const current = payment?.status ?? undefined;
      const forward = current === undefined || STATUS_RANK[webhook.status] > STATUS_RANK[current];
      const claimedByAnother =
        webhook.status === 'success' && payment?.success_claim != null && payment.success_claim !== key;

      if (!forward || claimedByAnother) {
        await tx.run(
          `INSERT INTO pw_events (idempotency_key, payment_id, payload, state, created_at, finished_at)
           VALUES (?, ?, ?, 'done', ?, ?)`,
          key,
          webhook.paymentId,
          payload,
          now,
          now,
        );
        return { kind: 'result', result: IGNORED };
      }

      if (webhook.status !== 'success') {
        await tx.run(
          `INSERT INTO pw_payments (payment_id, status, success_claim, updated_at) VALUES (?, ?, NULL, ?)
           ON CONFLICT (payment_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
          webhook.paymentId,
          webhook.status,
          now,
        );
        await tx.run(
          `INSERT INTO pw_events (idempotency_key, payment_id, payload, state, created_at, finished_at)
           VALUES (?, ?, ?, 'done', ?, ?)`,
          key,
          webhook.paymentId,
          payload,
          now,
          now,
        );
        return { kind: 'result', result: { outcome: 'processed', httpStatus: 200 } };
      }

      await tx.run(
        `INSERT INTO pw_payments (payment_id, status, success_claim, updated_at) VALUES (?, NULL, ?, ?)
         ON CONFLICT (payment_id) DO UPDATE SET success_claim = excluded.success_claim, updated_at = excluded.updated_at`,
        webhook.paymentId,
        key,
        now,
      );
      await tx.run(
        `INSERT INTO pw_events (idempotency_key, payment_id, payload, state, lease_token, lease_until, created_at)
         VALUES (?, ?, ?, 'in_progress', 1, ?, ?)`,
        key,
        webhook.paymentId,
        payload,
        now + leaseMs,
        now,
      );
      return { kind: 'work', token: 1, priorAttempts: 0 };
    });
    if (claim.kind === 'result') return claim.result;
    return runClaimed(webhook, claim.token, claim.priorAttempts, { kind: 'delivery' });
  }

  function verify(delivery: SignedDelivery): WebhookResult | undefined {
    const headers = delivery.headers ?? {};
    const header = findHeader(headers, SIGNATURE_HEADER);
    if (header === undefined || header.trim() === '') {
      return { outcome: 'rejected', httpStatus: 401, reason: 'missing-signature' };
    }
    const { timestamp, v1 } = parseSignatureHeader(header);
    const bad: WebhookResult = { outcome: 'rejected', httpStatus: 401, reason: 'bad-signature' };
    if (timestamp === undefined || !/^\d+$/.test(timestamp) || v1.length === 0) return bad;
    const signedPayload = `${timestamp}.${delivery.rawBody}`;
    let matched = false;
    for (const secret of secrets) {
      const expected = Buffer.from(
        crypto.createHmac('sha256', secret).update(signedPayload, 'utf8').digest('hex'),
        'utf8',
      );
      for (const candidate of v1) {
        const given = Buffer.from(candidate, 'utf8');
        if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) matched = true;
      }
    }
    if (!matched) return bad;
    const signedAtMs = Number(timestamp) * 1000;
    if (!Number.isFinite(signedAtMs) || Math.abs(clock.now() - signedAtMs) > toleranceMs) {
      return { outcome: 'rejected', httpStatus: 401, reason: 'stale-timestamp' };
    }
    return undefined;
  }

  return {
    async receiveWebhook(delivery: SignedDelivery): Promise<WebhookResult> {
      if (typeof delivery !== 'object' || delivery === null || typeof delivery.rawBody !== 'string') {
        throw new TypeError(`receiveWebhook expects { rawBody: string, headers }, received ${describe(delivery)}`);
      }
      const rejected = verify(delivery);
      if (rejected !== undefined) return rejected;
      let body: unknown;
      try {
        body = JSON.parse(delivery.rawBody);
      } catch {
        throw invalid('body', 'valid JSON', delivery.rawBody);
      }
      return handle(parseWebhook(body));
    },

    async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
      return handle(parseWebhook(webhook));
    },

    async getSubscriptionsByPaymentId(paymentId: string): Promise<Subscription[]> {
      const rows = await db.all<SubscriptionRow>(
        'SELECT subscription_id, payment_id, user_id, amount, created_at FROM pw_subscriptions WHERE payment_id = ?',
        paymentId,
      );
      return rows.map((row) => ({
        subscriptionId: row.subscription_id,
        paymentId: row.payment_id,
        userId: row.user_id,
        amount: row.amount,
        createdAt: row.created_at,
      }));
    },

    async getPaymentStatus(paymentId: string): Promise<PaymentStatus | undefined> {
      const row = await db.get<PaymentRow>(
        'SELECT status, success_claim FROM pw_payments WHERE payment_id = ?',
        paymentId,
      );
      return row?.status ?? undefined;
    },

    async listDeadLetters(): Promise<DeadLetter[]> {
      const rows = await db.all<EventRow & { dead_lettered_at: number }>(
        `SELECT e.*, d.dead_lettered_at FROM pw_dead_letters d
         JOIN pw_events e ON e.idempotency_key = d.idempotency_key
         ORDER BY d.seq`,
      );
      return rows.map((row) => ({
        idempotencyKey: row.idempotency_key,
        webhook: JSON.parse(row.payload) as PaymentWebhook,
        attempts: row.attempts,
        lastError: row.last_error ?? '',
        deadLetteredAt: row.dead_lettered_at,
      }));
    },

    async replayDeadLetter(idempotencyKey: string): Promise<WebhookResult> {
      const taken = await write(async (tx) => {
        const letter = await tx.get<{ seq: number; dead_lettered_at: number }>(
          'SELECT seq, dead_lettered_at FROM pw_dead_letters WHERE idempotency_key = ?',
          idempotencyKey,
        );
        const event = await tx.get<EventRow>('SELECT * FROM pw_events WHERE idempotency_key = ?', idempotencyKey);
        if (letter === undefined || event === undefined || event.state !== 'dead') return undefined;
        await tx.run('DELETE FROM pw_dead_letters WHERE idempotency_key = ?', idempotencyKey);
        const token = event.lease_token + 1;
        await tx.run(
          "UPDATE pw_events SET state = 'in_progress', lease_token = ?, lease_until = ? WHERE idempotency_key = ?",
          token,
          clock.now() + leaseMs,
          idempotencyKey,
        );
        return { token, event, letter };
      });
      if (taken === undefined) throw new DeadLetterNotFoundError(idempotencyKey);
      const webhook = JSON.parse(taken.event.payload) as PaymentWebhook;
      return runClaimed(webhook, taken.token, taken.event.attempts, {
        kind: 'replay',
        seq: taken.letter.seq,
        deadLetteredAt: taken.letter.dead_lettered_at,
      });
    },

    async purgeExpired(): Promise<number> {
      return write(async (tx) => {
        const result = await tx.run(
          "DELETE FROM pw_events WHERE state = 'done' AND finished_at < ?",
          clock.now() - retentionMs,
        );
        return result.changes;
      });
    },
  };
}
