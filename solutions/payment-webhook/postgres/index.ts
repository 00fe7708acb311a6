/**
 * PostgreSQL reference: idempotency keys with recovery points, made atomic with row locks at READ
 * COMMITTED (PostgreSQL's default level) instead of SQLite's single writer.
 *
 * Approach. One row per provider event in `webhook_events`, keyed by the idempotency key, holding a
 * fingerprint of the payload, a state (processing, finished, dead), a recovery point (received,
 * status-applied) and a lease (token, deadline). A delivery runs in atomic phases (single
 * statements, or one short transaction each), with the subscription service called between them
 * and outside any transaction:
 *
 * 1. Claim, with no transaction: the two decisions that take the event are single conditional
 *    statements, `INSERT ... ON CONFLICT (idempotency_key) DO NOTHING` for a new key and
 *    `UPDATE ... WHERE lease_until <= now RETURNING` for a takeover of an expired lease; when the
 *    insert changes nothing, a plain read of the row chooses the answer (422, duplicate, 409 with the
 *    time left: each true when read). A takeover that changes no row sends the delivery round again.
 * 2. Apply the status, fenced: `SELECT ... FOR UPDATE` of the event row checks the lease token, then
 *    `INSERT INTO payments ... ON CONFLICT DO UPDATE ... WHERE payments.rank < EXCLUDED.rank` moves the
 *    payment forward or changes nothing (0 rows: the event is ignored).
 * 3. Call the subscription service with a key derived from the payment, with backoff, renewing the
 *    lease before each attempt with a conditional `UPDATE ... WHERE lease_token = $n`.
 * 4. Record and finish, fenced like 2: `INSERT INTO subscriptions ... ON CONFLICT DO NOTHING`.
 *
 * Why it is correct at READ COMMITTED. Each statement there sees what was committed when it began,
 * and readers never wait for writers, so no decision is taken on a plain read:
 * - two first deliveries of one key: the second `INSERT ... ON CONFLICT DO NOTHING` waits for the
 *   first's uncommitted row, then inserts nothing, and its read (a new statement, so a new
 *   snapshot) sees the committed row;
 * - two takeovers of one expired lease: the second `UPDATE` waits for the first's row lock, then
 *   re-checks `lease_until <= now` on the row the first committed, and changes nothing;
 * - a takeover and a late holder: both lock the same event row before deciding, so one of them waits
 *   for the other's commit and then sees its token: the fence cannot be passed by a stale read;
 * - two events of one payment: the upsert's WHERE is evaluated on the row it locked (the latest
 *   committed version), so a late 'pending' cannot overwrite 'success' (no lost update);
 * - replay: one `UPDATE ... WHERE state = 'dead' RETURNING` re-checks its WHERE after waiting for a
 *   concurrent replay's lock, so only one replay gets the row.
 * Locks are always taken in the same order (the event row, then the payment or the subscription), so
 * no deadlock is expected; a serialization failure (40001) or a deadlock (40P01) would still be
 * retried, the whole transaction, since PostgreSQL reports them to the caller and the kit retries
 * nothing. Two handlers creating the tables at once would collide in the catalog
 * (`CREATE TABLE IF NOT EXISTS` is not atomic on PostgreSQL), so the schema is created under an
 * advisory lock.
 */
import crypto, { createHash, createHmac, randomUUID } from 'node:crypto';
import type { Database, Queryable, Transaction } from '../../../harness/kit/db/index.ts';
import type {
  Clock,
  DeadLetter,
  PaymentStatus,
  PaymentWebhook,
  PaymentWebhookHandler,
  PaymentWebhookOptions,
  SignedDelivery,
  Subscription,
  SubscriptionService,
  WebhookResult,
} from '../../../katas/payment-webhook/stub.ts';

export class InvalidWebhookError extends Error {
  readonly code = 'ERR_INVALID_WEBHOOK';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidWebhookError';
  }
}

export class DeadLetterNotFoundError extends Error {
  readonly code = 'ERR_DEAD_LETTER_NOT_FOUND';

  constructor(readonly idempotencyKey: string) {
    super(`no dead letter with idempotency key ${JSON.stringify(idempotencyKey)}`);
    this.name = 'DeadLetterNotFoundError';
  }
}

export async function createPaymentWebhookHandler(options: PaymentWebhookOptions): Promise<PaymentWebhookHandler> {
  const handler = new PostgresWebhookHandler(readSettings(options));
  await handler.migrate();
  return handler;
}

// ---------------------------------------------------------------------------------------------
// Options and payloads

interface Settings {
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

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

function readSettings(options: PaymentWebhookOptions): Settings {
  const given = options ?? ({} as PaymentWebhookOptions);
  const fail = (name: string, expected: string, received: unknown): never => {
    throw new TypeError(`createPaymentWebhookHandler: "${name}" must be ${expected}, received ${describe(received)}`);
  };
  const { db, subscriptions, clock, secret } = given;
  if ((['transaction', 'run', 'get', 'all', 'exec'] as const).some((method) => typeof db?.[method] !== 'function')) {
    fail('db', 'the kit database', db);
  }
  if (typeof subscriptions?.create !== 'function') fail('subscriptions', 'an object with create()', subscriptions);
  if (typeof clock?.now !== 'function' || typeof clock?.sleep !== 'function') {
    fail('clock', 'an object with now() and sleep()', clock);
  }
  const secrets: unknown[] = typeof secret === 'string' ? [secret] : Array.isArray(secret) ? [...secret] : [];
  if (secrets.length === 0 || secrets.some((entry) => typeof entry !== 'string' || entry === '')) {
    fail('secret', 'a non-empty string or a non-empty array of them', secret);
  }
  const positive = (name: keyof PaymentWebhookOptions, fallback: number): number => {
    const value = given[name] ?? fallback;
    return Number.isSafeInteger(value) && (value as number) > 0
      ? (value as number)
      : fail(name, 'a positive integer', value);
  };
  return {
    db,
    subscriptions,
    clock,
    secrets: secrets as string[],
    leaseMs: positive('leaseMs', 30_000),
    maxAttempts: positive('maxAttempts', 5),
    baseDelayMs: positive('baseDelayMs', 1_000),
    retentionMs: positive('retentionMs', 7 * 24 * 60 * 60 * 1000),
    toleranceMs: positive('toleranceMs', 300_000),
  };
}

const RANK: Readonly<Record<PaymentStatus, number>> = { pending: 0, failed: 1, success: 2 };

function parseWebhook(value: unknown): PaymentWebhook {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidWebhookError('webhook', `the webhook must be an object, received ${describe(value)}`);
  }
  const record = value as Record<string, unknown>;
  const text = (field: string): string => {
    const entry = record[field];
    if (typeof entry !== 'string' || entry.length === 0 || entry.length > 255) {
      throw new InvalidWebhookError(field, `must be a string of 1 to 255 characters, received ${describe(entry)}`);
    }
    return entry;
  };
  const { status, amount } = record;
  if (typeof status !== 'string' || !Object.hasOwn(RANK, status)) {
    throw new InvalidWebhookError('status', `must be 'pending', 'failed' or 'success', received ${describe(status)}`);
  }
  if (!Number.isSafeInteger(amount) || (amount as number) <= 0) {
    throw new InvalidWebhookError('amount', `must be a positive integer of minor units, received ${describe(amount)}`);
  }
  return {
    paymentId: text('paymentId'),
    status: status as PaymentStatus,
    amount: amount as number,
    userId: text('userId'),
    idempotencyKey: text('idempotencyKey'),
  };
}

/** "The same payload": every field but the key, in a fixed order. */
function fingerprint(event: PaymentWebhook): string {
  return createHash('sha256')
    .update(JSON.stringify([event.paymentId, event.status, event.amount, event.userId]))
    .digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Signatures

type Verdict = 'ok' | 'missing-signature' | 'bad-signature' | 'stale-timestamp';

const HEX_SHA256 = /^[0-9a-f]{64}$/;

function verify(delivery: SignedDelivery, secrets: readonly string[], nowMs: number, toleranceMs: number): Verdict {
  let header: string | undefined;
  for (const [name, value] of Object.entries(delivery.headers ?? {})) {
    if (name.toLowerCase() === 'payment-signature' && typeof value === 'string') header = value;
  }
  if (header === undefined || header.trim() === '') return 'missing-signature';
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    const name = part.slice(0, separator);
    const value = part.slice(separator + 1);
    if (separator > 0 && name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (separator > 0 && name === 'v1' && HEX_SHA256.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || !/(^|,)v1=/.test(header)) return 'bad-signature';
  if (Math.abs(nowMs - timestamp * 1000) > toleranceMs) return 'stale-timestamp';
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${delivery.rawBody}`).digest();
    for (const signature of signatures) {
      // Through the module: equal-length digests compared in constant time.
      if (crypto.timingSafeEqual(signature, expected)) return 'ok';
    }
  }
  return 'bad-signature';
}

// ---------------------------------------------------------------------------------------------
// Storage

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS webhook_events (
    idempotency_key text PRIMARY KEY,
    fingerprint text NOT NULL,
    payload text NOT NULL,
    state text NOT NULL CHECK (state IN ('processing', 'finished', 'dead')),
    recovery_point text NOT NULL CHECK (recovery_point IN ('received', 'status-applied')),
    lease_token uuid,
    lease_until bigint NOT NULL DEFAULT 0,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    received_at bigint NOT NULL,
    finished_at bigint,
    dead_lettered_at bigint
  );
  CREATE INDEX IF NOT EXISTS webhook_events_finished ON webhook_events (finished_at) WHERE state = 'finished';
  CREATE TABLE IF NOT EXISTS payments (
    payment_id text PRIMARY KEY,
    status text NOT NULL,
    rank smallint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE TABLE IF NOT EXISTS subscriptions (
    payment_id text PRIMARY KEY,
    subscription_id text NOT NULL,
    user_id text NOT NULL,
    amount bigint NOT NULL,
    created_at bigint NOT NULL
  );
`;

/** Any constant: every handler of the database takes this advisory lock while it creates the tables. */
const SCHEMA_LOCK = 7_201_301;

interface EventRow {
  readonly payload: string;
  readonly fingerprint: string;
  readonly state: 'processing' | 'finished' | 'dead';
  readonly recovery_point: 'received' | 'status-applied';
  readonly lease_until: number;
}

interface Lease {
  readonly key: string;
  readonly token: string;
  readonly recoveryPoint: EventRow['recovery_point'];
}

type Claim = { readonly lease: Lease } | { readonly result: WebhookResult };

/** Another delivery took the event over; never leaves the handler. */
class LeaseLostError extends Error {}

/** PostgreSQL's serialization failure and deadlock: the transaction may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_TRANSACTION_RUNS = 20;

const DUPLICATE = { outcome: 'duplicate', httpStatus: 200 } as const;
const MISMATCH = { outcome: 'conflict', httpStatus: 422, reason: 'payload-mismatch' } as const;
const IGNORED = { outcome: 'ignored', httpStatus: 200, reason: 'stale-status' } as const;

const EVENT_COLUMNS = 'payload, fingerprint, state, recovery_point, lease_until';

class PostgresWebhookHandler implements PaymentWebhookHandler {
  private readonly db: Database;

  constructor(private readonly settings: Settings) {
    this.db = settings.db;
  }

  private now(): number {
    return this.settings.clock.now();
  }

  /** Runs `work` again after a serialization failure or a deadlock; anything else is rethrown. */
  private async retrying<T>(work: () => Promise<T>): Promise<T> {
    for (let run = 1; ; run++) {
      try {
        return await work();
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (run >= MAX_TRANSACTION_RUNS || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
      }
    }
  }

  private transaction<T>(body: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.retrying(() => this.db.transaction(body, { isolation: 'read committed' }));
  }

  async migrate(): Promise<void> {
    await this.transaction(async (tx) => {
      await tx.get(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`);
      await tx.exec(SCHEMA);
    });
  }

  async receiveWebhook(delivery: SignedDelivery): Promise<WebhookResult> {
    if (typeof delivery?.rawBody !== 'string') {
      throw new InvalidWebhookError('body', `the delivery must carry a string rawBody, received ${describe(delivery)}`);
    }
    const verdict = verify(delivery, this.settings.secrets, this.now(), this.settings.toleranceMs);
    if (verdict !== 'ok') return { outcome: 'rejected', httpStatus: 401, reason: verdict };
    let parsed: unknown;
    try {
      parsed = JSON.parse(delivery.rawBody);
    } catch (error) {
      throw new InvalidWebhookError('body', `the body is not JSON: ${(error as Error).message}`);
    }
    return this.handlePaymentWebhook(parsed as PaymentWebhook);
  }

  async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    const event = parseWebhook(webhook);
    const claim = await this.claim(event);
    if ('result' in claim) return claim.result;
    return this.work(event, claim.lease);
  }

  /**
   * No transaction: every decision that changes the row is one conditional statement, and the
   * plain reads only choose the answer (true when read) or send the delivery round again.
   */
  private async claim(event: PaymentWebhook): Promise<Claim> {
    const now = this.now();
    const token = randomUUID();
    const leaseUntil = now + this.settings.leaseMs;
    const key = event.idempotencyKey;
    const print = fingerprint(event);
    for (;;) {
      // Waits for a concurrent claim's uncommitted row (if any), then inserts nothing.
      const inserted = await this.db.run(
        `INSERT INTO webhook_events
           (idempotency_key, fingerprint, payload, state, recovery_point, lease_token, lease_until, received_at)
         VALUES ($1, $2, $3, 'processing', 'received', $4, $5, $6)
         ON CONFLICT (idempotency_key) DO NOTHING`,
        key,
        print,
        JSON.stringify(event),
        token,
        leaseUntil,
        now,
      );
      if (inserted.changes === 1) return { lease: { key, token, recoveryPoint: 'received' } };
      const row = await this.db.get<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM webhook_events WHERE idempotency_key = $1`,
        key,
      );
      if (row === undefined) continue; // purged in between: the key is new again
      if (row.fingerprint !== print) return { result: MISMATCH };
      if (row.state !== 'processing') return { result: DUPLICATE };
      if (row.lease_until > now) {
        return {
          result: { outcome: 'conflict', httpStatus: 409, reason: 'in-progress', retryAfterMs: row.lease_until - now },
        };
      }
      // The holder crashed or gave the event back: take it over at its recovery point. A concurrent
      // takeover holds the row lock; this UPDATE waits for it and re-checks its WHERE on the row it
      // committed (a live lease), so only one of them takes the event.
      const taken = await this.db.get<Pick<EventRow, 'recovery_point'>>(
        `UPDATE webhook_events SET lease_token = $1, lease_until = $2
         WHERE idempotency_key = $3 AND state = 'processing' AND lease_until <= $4
         RETURNING recovery_point`,
        token,
        leaseUntil,
        key,
        now,
      );
      if (taken !== undefined) return { lease: { key, token, recoveryPoint: taken.recovery_point } };
    }
  }

  private async work(event: PaymentWebhook, lease: Lease): Promise<WebhookResult> {
    try {
      if (lease.recoveryPoint === 'received') {
        const answer = await this.applyStatus(event, lease);
        if (answer !== undefined) return answer;
      }
      return await this.subscribe(event, lease);
    } catch (error) {
      // A holder that lost its lease answers as a fresh delivery would: held, or done.
      if (error instanceof LeaseLostError) return this.handlePaymentWebhook(event);
      await this.release(lease);
      throw error;
    }
  }

  /** Locks the event row and checks it is still ours; the lock lasts until the transaction ends. */
  private async fence(tx: Queryable, lease: Lease): Promise<void> {
    const row = await tx.get<{ lease_token: string | null }>(
      `SELECT lease_token FROM webhook_events WHERE idempotency_key = $1 AND state = 'processing' FOR UPDATE`,
      lease.key,
    );
    if (row?.lease_token !== lease.token) throw new LeaseLostError();
  }

  private async finish(tx: Queryable, lease: Lease, now: number): Promise<void> {
    await tx.run(
      `UPDATE webhook_events SET state = 'finished', finished_at = $1, lease_token = NULL, lease_until = 0
       WHERE idempotency_key = $2`,
      now,
      lease.key,
    );
  }

  private applyStatus(event: PaymentWebhook, lease: Lease): Promise<WebhookResult | undefined> {
    const now = this.now();
    return this.transaction(async (tx) => {
      await this.fence(tx, lease);
      // Compare-and-set on the payment's row: the WHERE sees the latest committed status.
      const moved = await tx.run(
        `INSERT INTO payments (payment_id, status, rank, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (payment_id) DO UPDATE
           SET status = EXCLUDED.status, rank = EXCLUDED.rank, updated_at = EXCLUDED.updated_at
           WHERE payments.rank < EXCLUDED.rank`,
        event.paymentId,
        event.status,
        RANK[event.status],
        now,
      );
      if (moved.changes === 0) {
        await this.finish(tx, lease, now);
        return IGNORED;
      }
      if (event.status !== 'success') {
        await this.finish(tx, lease, now);
        return { outcome: 'processed', httpStatus: 200 } as const;
      }
      // A takeover after a crash must not re-apply 'success' and ignore its own event.
      await tx.run(`UPDATE webhook_events SET recovery_point = 'status-applied' WHERE idempotency_key = $1`, lease.key);
      return undefined;
    });
  }

  private async subscribe(event: PaymentWebhook, lease: Lease): Promise<WebhookResult> {
    const { subscriptions, clock, maxAttempts, baseDelayMs } = this.settings;
    for (let attempt = 1; ; attempt++) {
      // Renewing before each call keeps the lease ahead of the backoff, and stops a holder that
      // was paused past its lease before it calls anyone.
      await this.renewLease(lease);
      let answer: { readonly subscriptionId: string };
      try {
        answer = await subscriptions.create(
          { paymentId: event.paymentId, userId: event.userId, amount: event.amount },
          { idempotencyKey: `payment-webhook:${event.paymentId}:subscription` },
        );
      } catch (error) {
        const lastError = error instanceof Error ? error.message : String(error);
        if (attempt >= maxAttempts) return this.deadLetter(lease, attempt, lastError);
        await clock.sleep(baseDelayMs * 2 ** (attempt - 1));
        continue;
      }
      return this.record(event, lease, answer.subscriptionId);
    }
  }

  private async record(event: PaymentWebhook, lease: Lease, subscriptionId: string): Promise<WebhookResult> {
    const now = this.now();
    return this.transaction(async (tx) => {
      await this.fence(tx, lease);
      await tx.run(
        `INSERT INTO subscriptions (payment_id, subscription_id, user_id, amount, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (payment_id) DO NOTHING`,
        event.paymentId,
        subscriptionId,
        event.userId,
        event.amount,
        now,
      );
      await this.finish(tx, lease, now);
      return { outcome: 'processed', httpStatus: 200, subscriptionId } as const;
    });
  }

  private deadLetter(lease: Lease, failures: number, lastError: string): Promise<WebhookResult> {
    const now = this.now();
    return this.transaction(async (tx) => {
      await this.fence(tx, lease);
      const row = await tx.get<{ attempts: number }>(
        `UPDATE webhook_events
           SET state = 'dead', attempts = attempts + $1, last_error = $2, dead_lettered_at = $3,
               lease_token = NULL, lease_until = 0
         WHERE idempotency_key = $4
         RETURNING attempts`,
        failures,
        lastError,
        now,
        lease.key,
      );
      return { outcome: 'dead-lettered', httpStatus: 202, attempts: row!.attempts } as const;
    });
  }

  private async renewLease(lease: Lease): Promise<void> {
    const { changes } = await this.retrying(() =>
      this.db.run(
        `UPDATE webhook_events SET lease_until = $1
         WHERE idempotency_key = $2 AND lease_token = $3 AND state = 'processing'`,
        this.now() + this.settings.leaseMs,
        lease.key,
        lease.token,
      ),
    );
    if (changes === 0) throw new LeaseLostError();
  }

  /** Gives the event back at once after a failure, keeping its recovery point. */
  private async release(lease: Lease): Promise<void> {
    await this.retrying(() =>
      this.db.run(
        `UPDATE webhook_events SET lease_token = NULL, lease_until = 0
         WHERE idempotency_key = $1 AND lease_token = $2 AND state = 'processing'`,
        lease.key,
        lease.token,
      ),
    );
  }

  async getSubscriptionsByPaymentId(paymentId: string): Promise<Subscription[]> {
    const rows = await this.db.all<{ subscription_id: string; user_id: string; amount: number; created_at: number }>(
      'SELECT subscription_id, user_id, amount, created_at FROM subscriptions WHERE payment_id = $1',
      paymentId,
    );
    return rows.map((row) => ({
      subscriptionId: row.subscription_id,
      paymentId,
      userId: row.user_id,
      amount: row.amount,
      createdAt: row.created_at,
    }));
  }

  async getPaymentStatus(paymentId: string): Promise<PaymentStatus | undefined> {
    const row = await this.db.get<{ status: PaymentStatus }>(
      'SELECT status FROM payments WHERE payment_id = $1',
      paymentId,
    );
    return row?.status;
  }

  async listDeadLetters(): Promise<DeadLetter[]> {
    const rows = await this.db.all<{
      idempotency_key: string;
      payload: string;
      attempts: number;
      last_error: string;
      dead_lettered_at: number;
    }>(
      `SELECT idempotency_key, payload, attempts, last_error, dead_lettered_at FROM webhook_events
       WHERE state = 'dead' ORDER BY dead_lettered_at, idempotency_key`,
    );
    return rows.map((row) => ({
      idempotencyKey: row.idempotency_key,
      webhook: JSON.parse(row.payload) as PaymentWebhook,
      attempts: row.attempts,
      lastError: row.last_error,
      deadLetteredAt: row.dead_lettered_at,
    }));
  }

  /** One conditional UPDATE: a concurrent replay waits for its row lock, then finds it no longer dead. */
  async replayDeadLetter(idempotencyKey: string): Promise<WebhookResult> {
    const token = randomUUID();
    const row = await this.retrying(() =>
      this.db.get<EventRow>(
        `UPDATE webhook_events SET state = 'processing', lease_token = $1, lease_until = $2
         WHERE idempotency_key = $3 AND state = 'dead'
         RETURNING ${EVENT_COLUMNS}`,
        token,
        this.now() + this.settings.leaseMs,
        idempotencyKey,
      ),
    );
    if (row === undefined) throw new DeadLetterNotFoundError(idempotencyKey);
    return this.work(JSON.parse(row.payload) as PaymentWebhook, {
      key: idempotencyKey,
      token,
      recoveryPoint: row.recovery_point,
    });
  }

  async purgeExpired(): Promise<number> {
    const { changes } = await this.retrying(() =>
      this.db.run(
        `DELETE FROM webhook_events WHERE state = 'finished' AND finished_at < $1`,
        this.now() - this.settings.retentionMs,
      ),
    );
    return changes;
  }
}
