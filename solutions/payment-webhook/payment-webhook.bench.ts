/**
 * Webhooks per second with half of them duplicates, beside what the same database does with a
 * plain INSERT per webhook (no idempotency at all) and with INSERT ... ON CONFLICT DO NOTHING (the
 * cheapest deduplication), all on the kit's async handle, in one run: on SQLite (a WAL file), and
 * on PostgreSQL (the kit's throwaway server, free-running: `deterministic: false`, so statements are
 * sent at once instead of through the seeded sequencer), with postgres/portable.ts on both.
 *
 * One benchmark iteration is one webhook: even iterations deliver a new event, odd ones redeliver
 * the event before it, so ops/s reads directly as webhooks per second.
 */
import { bench, describe } from 'vitest';
import { createManualClock } from '../../harness/kit/clock.ts';
import { createTestDatabase, type DatabaseOptions, type TestDatabase } from '../../harness/kit/db/index.ts';
import {
  createPaymentWebhookHandler as reference,
  type PaymentWebhook,
  type PaymentWebhookHandler,
  type PaymentWebhookOptions,
  type SubscriptionService,
} from './index.ts';
import { createPaymentWebhookHandler as compareAndSet } from './variants/compare-and-set.ts';
import { createPaymentWebhookHandler as postgresReference } from './postgres/index.ts';
import { createPaymentWebhookHandler as portable } from './postgres/portable.ts';

const SQLITE: DatabaseOptions = { engine: 'sqlite' };
const POSTGRES: DatabaseOptions = { engine: 'postgres', deterministic: false };

type Factory = (options: PaymentWebhookOptions) => Promise<PaymentWebhookHandler>;

/** Answers at once, and returns the same subscription for the same key, like the real service. */
function instantSubscriptionService(): SubscriptionService {
  const byKey = new Map<string, string>();
  return {
    async create(_request, { idempotencyKey }) {
      let subscriptionId = byKey.get(idempotencyKey);
      if (subscriptionId === undefined) {
        subscriptionId = `sub_${byKey.size + 1}`;
        byKey.set(idempotencyKey, subscriptionId);
      }
      return { subscriptionId };
    },
  };
}

function event(index: number): PaymentWebhook {
  return {
    paymentId: `pay_${index}`,
    status: 'success',
    amount: 4900,
    userId: `user_${index % 97}`,
    idempotencyKey: `evt_${index}`,
  };
}

interface Fixture {
  database: TestDatabase | undefined;
  handler: PaymentWebhookHandler | undefined;
  iteration: number;
}

function webhookBench(name: string, create: Factory, database: DatabaseOptions = SQLITE): void {
  const fixture: Fixture = { database: undefined, handler: undefined, iteration: 0 };
  bench(
    name,
    async () => {
      const index = fixture.iteration++;
      // Odd iterations redeliver the event of the iteration before: 50% duplicates.
      await fixture.handler!.handlePaymentWebhook(event(index - (index % 2)));
    },
    {
      async setup() {
        fixture.database = createTestDatabase(database);
        const clock = createManualClock();
        fixture.handler = await create({
          db: fixture.database.db,
          subscriptions: instantSubscriptionService(),
          clock,
          secret: 'whsec_bench',
        });
        fixture.iteration = 0;
      },
      async teardown() {
        await fixture.database?.close();
      },
    },
  );
}

function insertBench(name: string, sql: string, database: DatabaseOptions = SQLITE): void {
  const fixture: { database: TestDatabase | undefined; iteration: number } = { database: undefined, iteration: 0 };
  bench(
    name,
    async () => {
      const index = fixture.iteration++;
      const webhook = event(index - (index % 2));
      await fixture.database!.db.run(sql, webhook.idempotencyKey, webhook.paymentId, webhook.userId, webhook.amount);
    },
    {
      async setup() {
        fixture.database = createTestDatabase(database);
        await fixture.database.db.exec(
          `CREATE TABLE events (idempotency_key TEXT, payment_id TEXT, user_id TEXT, amount INTEGER);
           CREATE TABLE keyed_events (idempotency_key TEXT PRIMARY KEY, payment_id TEXT, user_id TEXT, amount INTEGER);`,
        );
        fixture.iteration = 0;
      },
      async teardown() {
        await fixture.database?.close();
      },
    },
  );
}

describe('SQLite: payment webhooks per second, 50% duplicates (one op = one webhook)', () => {
  webhookBench('reference: idempotency keys with recovery points', reference);
  webhookBench('variant: compare-and-set', compareAndSet);
  webhookBench('postgres/portable.ts on SQLite', portable);
  insertBench('baseline: plain INSERT per webhook (no idempotency)', 'INSERT INTO events VALUES (?, ?, ?, ?)');
  insertBench(
    'baseline: INSERT ... ON CONFLICT DO NOTHING (dedup only)',
    'INSERT INTO keyed_events VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
});

describe('PostgreSQL: payment webhooks per second, 50% duplicates (one op = one webhook)', () => {
  webhookBench('PostgreSQL reference: row locks at READ COMMITTED', postgresReference, POSTGRES);
  webhookBench('postgres/portable.ts on PostgreSQL', portable, POSTGRES);
  insertBench(
    'baseline: plain INSERT per webhook (no idempotency)',
    'INSERT INTO events VALUES ($1, $2, $3, $4)',
    POSTGRES,
  );
  insertBench(
    'baseline: INSERT ... ON CONFLICT DO NOTHING (dedup only)',
    'INSERT INTO keyed_events VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    POSTGRES,
  );
});
