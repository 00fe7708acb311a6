/**
 * Variant: every decision is one conditional statement (compare-and-set) instead of a read and a
 * write inside an IMMEDIATE transaction, and the payment's status moves only at the very end.
 *
 * - Claiming: `INSERT ... ON CONFLICT DO NOTHING` takes a new event; `UPDATE ... WHERE held_until
 *   <= now` takes over an abandoned one. Whoever changed a row owns it; everybody else reads the
 *   row only to choose their answer.
 * - Status order: `ON CONFLICT DO UPDATE ... WHERE payment_state.rank < excluded.rank` applies an
 *   event only if it moves the payment forward, decided by SQLite in the same statement.
 * - No recovery points: a success event changes nothing locally until the subscription exists, so
 *   a takeover after a crash simply starts again, and the subscription service's idempotency key
 *   makes the second call return the first subscription.
 * - Fencing: the closing transaction starts with `UPDATE inbox ... WHERE holder = me`; if that
 *   changes no row, the lease was lost and the transaction is rolled back.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Database } from '../../../harness/kit/db/index.ts';
import type {
  DeadLetter,
  PaymentStatus,
  PaymentWebhook,
  PaymentWebhookHandler,
  PaymentWebhookOptions,
  SignedDelivery,
  Subscription,
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

const RANK: Readonly<Record<PaymentStatus, number>> = { pending: 0, failed: 1, success: 2 };

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS inbox (
    event_key TEXT PRIMARY KEY,
    body_hash TEXT NOT NULL,
    body TEXT NOT NULL,
    phase TEXT NOT NULL DEFAULT 'working' CHECK (phase IN ('working', 'done', 'dead')),
    holder TEXT,
    held_until INTEGER NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    done_at INTEGER,
    dead_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS inbox_expiry ON inbox (phase, done_at);
  CREATE TABLE IF NOT EXISTS payment_state (
    payment_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    rank INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS subscription_records (
    payment_id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    amount INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
`;

interface InboxRow {
  event_key: string;
  body_hash: string;
  body: string;
  phase: 'working' | 'done' | 'dead';
  held_until: number;
  failures: number;
  last_error: string | null;
  dead_at: number | null;
}

const DUPLICATE = { outcome: 'duplicate', httpStatus: 200 } as const;
const IGNORED = { outcome: 'ignored', httpStatus: 200, reason: 'stale-status' } as const;

export async function createPaymentWebhookHandler(options: PaymentWebhookOptions): Promise<PaymentWebhookHandler> {
  const config = configure(options);
  await config.db.exec(SCHEMA);
  return new CompareAndSetHandler(config);
}

type Config = Required<Omit<PaymentWebhookOptions, 'secret'>> & { readonly secrets: readonly string[] };

function configure(options: PaymentWebhookOptions): Config {
  const bad = (option: string, wanted: string, got: unknown): never => {
    throw new TypeError(`option "${option}" must be ${wanted}; got ${show(got)}`);
  };
  if (options === null || typeof options !== 'object') bad('options', 'an object', options);
  const { db, subscriptions, clock } = options;
  const methods = ['transaction', 'run', 'get', 'all', 'exec'] as const;
  if (methods.some((method) => typeof db?.[method] !== 'function')) bad('db', 'a kit Database', db);
  if (typeof subscriptions?.create !== 'function') bad('subscriptions', 'a SubscriptionService', subscriptions);
  if (typeof clock?.now !== 'function' || typeof clock?.sleep !== 'function') bad('clock', 'a Clock', clock);
  const secrets: unknown[] = Array.isArray(options.secret) ? [...options.secret] : [options.secret];
  if (secrets.length === 0 || !secrets.every((secret) => typeof secret === 'string' && secret.length > 0)) {
    bad('secret', 'a non-empty string or list of them', options.secret);
  }
  const whole = (option: keyof PaymentWebhookOptions, fallback: number): number => {
    const value = options[option] ?? fallback;
    if (!Number.isSafeInteger(value) || (value as number) < 1) bad(option, 'an integer of at least 1', value);
    return value as number;
  };
  return {
    db,
    subscriptions,
    clock,
    secrets: secrets as string[],
    leaseMs: whole('leaseMs', 30_000),
    maxAttempts: whole('maxAttempts', 5),
    baseDelayMs: whole('baseDelayMs', 1_000),
    retentionMs: whole('retentionMs', 604_800_000),
    toleranceMs: whole('toleranceMs', 300_000),
  };
}

function show(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a ${value.length}-character string` : `"${value}"`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

function toWebhook(input: unknown): PaymentWebhook {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidWebhookError('webhook', `expected a webhook object; got ${show(input)}`);
  }
  const fields = input as Record<string, unknown>;
  for (const field of ['paymentId', 'userId', 'idempotencyKey'] as const) {
    const value = fields[field];
    if (typeof value !== 'string' || value === '' || value.length > 255) {
      throw new InvalidWebhookError(
        field,
        `${field} must be a non-empty string of at most 255 characters; got ${show(value)}`,
      );
    }
  }
  if (typeof fields.status !== 'string' || !(fields.status in RANK)) {
    throw new InvalidWebhookError(
      'status',
      `status must be 'success', 'failed' or 'pending'; got ${show(fields.status)}`,
    );
  }
  if (!Number.isSafeInteger(fields.amount) || (fields.amount as number) < 1) {
    throw new InvalidWebhookError(
      'amount',
      `amount must be a whole number of cents above zero; got ${show(fields.amount)}`,
    );
  }
  const { paymentId, status, amount, userId, idempotencyKey } = fields as unknown as PaymentWebhook;
  return { paymentId, status, amount, userId, idempotencyKey };
}

function bodyHash(event: PaymentWebhook): string {
  return createHash('sha256')
    .update(`${event.paymentId}\u0000${event.status}\u0000${event.amount}\u0000${event.userId}`)
    .digest('base64');
}

class CompareAndSetHandler implements PaymentWebhookHandler {
  private readonly db: Database;

  constructor(private readonly config: Config) {
    this.db = config.db;
  }

  async receiveWebhook(delivery: SignedDelivery): Promise<WebhookResult> {
    const rawBody = delivery?.rawBody;
    if (typeof rawBody !== 'string')
      throw new InvalidWebhookError('body', `rawBody must be a string; got ${show(rawBody)}`);
    const header = Object.entries(delivery.headers ?? {}).find(([name]) => /^payment-signature$/i.test(name))?.[1];
    if (!header) return { outcome: 'rejected', httpStatus: 401, reason: 'missing-signature' };
    const timestamp = /(?:^|,)\s*t=(\d+)\s*(?:,|$)/.exec(header)?.[1];
    const candidates = [...header.matchAll(/(?:^|,)\s*v1=([0-9a-f]{64})\s*(?=,|$)/g)].map((match) =>
      Buffer.from(match[1]!, 'hex'),
    );
    if (timestamp === undefined || candidates.length === 0)
      return { outcome: 'rejected', httpStatus: 401, reason: 'bad-signature' };
    if (Math.abs(this.config.clock.now() - Number(timestamp) * 1000) > this.config.toleranceMs) {
      return { outcome: 'rejected', httpStatus: 401, reason: 'stale-timestamp' };
    }
    const signedPayload = `${timestamp}.${rawBody}`;
    const valid = this.config.secrets.some((secret) => {
      const digest = createHmac('sha256', secret).update(signedPayload).digest();
      // No early exit across candidates either: every candidate is compared.
      return candidates.reduce((found, candidate) => timingSafeEqual(candidate, digest) || found, false);
    });
    if (!valid) return { outcome: 'rejected', httpStatus: 401, reason: 'bad-signature' };
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      throw new InvalidWebhookError('body', `the body is not valid JSON (${rawBody.length} characters)`);
    }
    return this.handlePaymentWebhook(body as PaymentWebhook);
  }

  async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    const event = toWebhook(webhook);
    const me = randomUUID();
    const taken = await this.take(event, me);
    if (taken !== true) return taken;
    return this.process(event, me);
  }

  /** true when this delivery now holds the event; otherwise the answer for the caller. */
  private async take(event: PaymentWebhook, me: string): Promise<true | WebhookResult> {
    const now = this.config.clock.now();
    const until = now + this.config.leaseMs;
    const hash = bodyHash(event);
    const inserted = await this.db.run(
      `INSERT INTO inbox (event_key, body_hash, body, holder, held_until, created_at)
       VALUES (:key, :hash, :body, :me, :until, :now) ON CONFLICT (event_key) DO NOTHING`,
      { key: event.idempotencyKey, hash, body: JSON.stringify(event), me, until, now },
    );
    if (inserted.changes === 1) return true;
    const takenOver = await this.db.run(
      `UPDATE inbox SET holder = :me, held_until = :until
       WHERE event_key = :key AND body_hash = :hash AND phase = 'working' AND held_until <= :now`,
      { key: event.idempotencyKey, hash, me, until, now },
    );
    if (takenOver.changes === 1) return true;
    const row = await this.db.get<InboxRow>('SELECT * FROM inbox WHERE event_key = ?', event.idempotencyKey);
    if (row === undefined) return this.take(event, me); // purged between the two statements: start again
    if (row.body_hash !== hash) return { outcome: 'conflict', httpStatus: 422, reason: 'payload-mismatch' };
    if (row.phase !== 'working') return DUPLICATE;
    return {
      outcome: 'conflict',
      httpStatus: 409,
      reason: 'in-progress',
      retryAfterMs: Math.max(1, row.held_until - now),
    };
  }

  private async process(event: PaymentWebhook, me: string): Promise<WebhookResult> {
    try {
      if (event.status !== 'success') return await this.close(event, me, undefined);
      const current = await this.db.get<{ rank: number }>(
        'SELECT rank FROM payment_state WHERE payment_id = ?',
        event.paymentId,
      );
      // Only a hint, to avoid a pointless call: close() decides again under the fence.
      if ((current?.rank ?? -1) >= RANK.success) return await this.close(event, me, undefined);
      const created = await this.callWithBackoff(event, me);
      if ('subscriptionId' in created) return await this.close(event, me, created.subscriptionId);
      return await this.bury(event.idempotencyKey, me, created.failures, created.lastError);
    } catch (error) {
      if (error instanceof LostLease) return this.answerFor(event);
      await this.db.run(
        `UPDATE inbox SET holder = NULL, held_until = 0 WHERE event_key = ? AND holder = ? AND phase = 'working'`,
        event.idempotencyKey,
        me,
      );
      throw error;
    }
  }

  private async callWithBackoff(
    event: PaymentWebhook,
    me: string,
  ): Promise<{ subscriptionId: string } | { failures: number; lastError: string }> {
    const { maxAttempts, baseDelayMs, clock, subscriptions, leaseMs } = this.config;
    let lastError = 'unknown error';
    for (let failures = 0; failures < maxAttempts;) {
      const renewed = await this.db.run(
        `UPDATE inbox SET held_until = ? WHERE event_key = ? AND holder = ? AND phase = 'working'`,
        clock.now() + leaseMs,
        event.idempotencyKey,
        me,
      );
      if (renewed.changes !== 1) throw new LostLease();
      try {
        const answer = await subscriptions.create(
          { paymentId: event.paymentId, userId: event.userId, amount: event.amount },
          { idempotencyKey: `sub-for-payment/${event.paymentId}` },
        );
        return { subscriptionId: answer.subscriptionId };
      } catch (error) {
        lastError = String((error as Error)?.message ?? error);
        failures++;
        if (failures < maxAttempts) await clock.sleep(baseDelayMs * 2 ** (failures - 1));
      }
    }
    return { failures: maxAttempts, lastError };
  }

  /** The closing transaction: fence, apply the status if it moves forward, record the subscription. */
  private async close(event: PaymentWebhook, me: string, subscriptionId: string | undefined): Promise<WebhookResult> {
    const now = this.config.clock.now();
    return this.db.transaction(async (tx) => {
      const fenced = await tx.run(
        `UPDATE inbox SET phase = 'done', done_at = ?, holder = NULL, held_until = 0
         WHERE event_key = ? AND holder = ? AND phase = 'working'`,
        now,
        event.idempotencyKey,
        me,
      );
      if (fenced.changes !== 1) throw new LostLease();
      const applied = await tx.run(
        `INSERT INTO payment_state (payment_id, status, rank) VALUES (?, ?, ?)
         ON CONFLICT (payment_id) DO UPDATE SET status = excluded.status, rank = excluded.rank
         WHERE payment_state.rank < excluded.rank`,
        event.paymentId,
        event.status,
        RANK[event.status],
      );
      if (applied.changes === 0) return IGNORED;
      if (subscriptionId === undefined) return { outcome: 'processed', httpStatus: 200 } as const;
      await tx.run(
        `INSERT INTO subscription_records (payment_id, subscription_id, user_id, amount, created_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (payment_id) DO NOTHING`,
        event.paymentId,
        subscriptionId,
        event.userId,
        event.amount,
        now,
      );
      return { outcome: 'processed', httpStatus: 200, subscriptionId } as const;
    });
  }

  private async bury(key: string, me: string, failures: number, lastError: string): Promise<WebhookResult> {
    const row = await this.db.get<{ failures: number }>(
      `UPDATE inbox SET phase = 'dead', failures = failures + ?, last_error = ?, dead_at = ?, holder = NULL, held_until = 0
       WHERE event_key = ? AND holder = ? AND phase = 'working' RETURNING failures`,
      failures,
      lastError,
      this.config.clock.now(),
      key,
      me,
    );
    if (row === undefined) throw new LostLease();
    return { outcome: 'dead-lettered', httpStatus: 202, attempts: row.failures };
  }

  private async answerFor(event: PaymentWebhook): Promise<WebhookResult> {
    const row = await this.db.get<InboxRow>('SELECT * FROM inbox WHERE event_key = ?', event.idempotencyKey);
    const now = this.config.clock.now();
    if (row?.phase === 'working' && row.held_until > now) {
      return { outcome: 'conflict', httpStatus: 409, reason: 'in-progress', retryAfterMs: row.held_until - now };
    }
    return DUPLICATE;
  }

  async getSubscriptionsByPaymentId(paymentId: string): Promise<Subscription[]> {
    const row = await this.db.get<{ subscription_id: string; user_id: string; amount: number; created_at: number }>(
      'SELECT * FROM subscription_records WHERE payment_id = ?',
      paymentId,
    );
    if (row === undefined) return [];
    return [
      {
        subscriptionId: row.subscription_id,
        paymentId,
        userId: row.user_id,
        amount: row.amount,
        createdAt: row.created_at,
      },
    ];
  }

  async getPaymentStatus(paymentId: string): Promise<PaymentStatus | undefined> {
    const row = await this.db.get<{ status: PaymentStatus }>(
      'SELECT status FROM payment_state WHERE payment_id = ?',
      paymentId,
    );
    return row?.status;
  }

  async listDeadLetters(): Promise<DeadLetter[]> {
    const rows = await this.db.all<InboxRow>(`SELECT * FROM inbox WHERE phase = 'dead' ORDER BY dead_at, event_key`);
    return rows.map((row) => ({
      idempotencyKey: row.event_key,
      webhook: JSON.parse(row.body) as PaymentWebhook,
      attempts: row.failures,
      lastError: row.last_error ?? '',
      deadLetteredAt: row.dead_at ?? 0,
    }));
  }

  async replayDeadLetter(idempotencyKey: string): Promise<WebhookResult> {
    const me = randomUUID();
    const revived = await this.db.get<InboxRow>(
      `UPDATE inbox SET phase = 'working', holder = ?, held_until = ? WHERE event_key = ? AND phase = 'dead' RETURNING *`,
      me,
      this.config.clock.now() + this.config.leaseMs,
      idempotencyKey,
    );
    if (revived === undefined) throw new DeadLetterNotFoundError(idempotencyKey);
    return this.process(JSON.parse(revived.body) as PaymentWebhook, me);
  }

  async purgeExpired(): Promise<number> {
    const { changes } = await this.db.run(
      `DELETE FROM inbox WHERE phase = 'done' AND done_at < ?`,
      this.config.clock.now() - this.config.retentionMs,
    );
    return changes;
  }
}

class LostLease extends Error {
  constructor() {
    super('another delivery holds this event now');
    this.name = 'LostLease';
  }
}
