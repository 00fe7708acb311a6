/**
 * Reservations per second under contention, per approach, beside the raw single-writer limit of
 * SQLite measured in the same run. One iteration = 1000 concurrent reserveSeat calls on seats
 * nobody holds yet; vitest's hz x 1000 = attempts per second. Every database is a fresh WAL file
 * (synchronous = NORMAL), built before the measured iterations: each iteration takes the next
 * unused block of seats, so setup is never timed.
 *
 * The PostgreSQL rows run the same races on a PostgreSQL TestDatabase with `deterministic: false`
 * (statements sent at once, racing for real, no sequencer), on the kit's throwaway server; they are
 * skipped, saying why, where no server can be started. `conditional update (portable)` is one file
 * run on both engines.
 *
 *   npm run bench -- solutions/seat-reservation
 */
import type BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import {
  benchDatabase,
  createTestDatabase,
  probePostgres,
  type Database,
  type Dialect,
} from '../../harness/kit/db/index.ts';
// Through the kit's native helpers: on Node 24 a better-sqlite3 statement that is garbage-collected aborts the process.
import { openConnection, prepareStatement, setPragma } from '../../harness/kit/db/native.ts';
import type { SeatService, SeatServiceOptions } from './index.ts';
import { createSeatService as conditionalUpdate } from './index.ts';
import { createSeatService as immediateTransaction } from './variants/immediate-transaction.ts';
import { createSeatService as optimisticVersion } from './variants/optimistic-version.ts';
import { createSeatService as uniqueConstraint } from './variants/unique-constraint.ts';
import { createSeatService as portableConditionalUpdate } from './postgres/conditional-update.ts';
import { createSeatService as rowLocks } from './postgres/index.ts';

type Factory = (db: Database, options: SeatServiceOptions) => SeatService;

const ATTEMPTS = 1000;
const ITERATIONS = 15;
/** Enough seat blocks for the warm-up iteration and the measured ones. */
const BLOCKS = ITERATIONS + 2;
const FIXED = { time: 0, iterations: ITERATIONS, warmupTime: 0, warmupIterations: 1 };

const approaches: [string, Factory][] = [
  ['conditional update (reference)', conditionalUpdate],
  ['immediate transaction', immediateTransaction],
  ['optimistic version', optimisticVersion],
  ['unique constraint', uniqueConstraint],
  ['conditional update (portable)', portableConditionalUpdate],
];

/** PostgreSQL: fewer iterations (each is slower), the same 1000 attempts per iteration. */
const PG_ITERATIONS = 5;
const postgres = probePostgres();
const postgresApproaches: [string, Factory][] = [
  ['PostgreSQL: row locks, SELECT ... FOR UPDATE (postgres reference)', rowLocks],
  ['PostgreSQL: conditional update (portable)', portableConditionalUpdate],
];

/** A bench whose every iteration races ATTEMPTS users for `seatsPerBlock` fresh seats. */
function contentionBench(label: string, create: Factory, seatsPerBlock: number, engine: Dialect = 'sqlite'): void {
  const iterations = engine === 'postgres' ? PG_ITERATIONS : ITERATIONS;
  const testDb = benchDatabase(() =>
    engine === 'postgres' ? createTestDatabase({ engine, deterministic: false }) : createTestDatabase({ engine }),
  );
  let service: SeatService | undefined;
  let block = 0;
  bench(
    label,
    async () => {
      const seats = Array.from({ length: seatsPerBlock }, (_, seat) => `B${block}-S${seat}`);
      block++;
      await Promise.allSettled(
        Array.from({ length: ATTEMPTS }, (_, user) =>
          service!.reserveSeat(seats[user % seatsPerBlock]!, `user-${user}`),
        ),
      );
    },
    {
      ...FIXED,
      iterations,
      async setup() {
        service = create((await testDb.open()).db, { holdMs: 600_000, now: () => 1_767_225_600_000 });
        await service.init();
        const all = Array.from({ length: BLOCKS }, (_, b) =>
          Array.from({ length: seatsPerBlock }, (_, seat) => `B${b}-S${seat}`),
        ).flat();
        await service.addSeats(all);
        block = 0;
      },
      teardown() {
        testDb.close();
      },
    },
  );
}

/** The ceiling: one connection, prepared INSERT, each row its own committed transaction. */
function rawSingleWriterBench(): void {
  let dir: string | undefined;
  let raw: BetterSqlite3.Database | undefined;
  let insert: BetterSqlite3.Statement | undefined;
  let next = 0;
  bench(
    `raw better-sqlite3: ${ATTEMPTS} autocommit INSERTs, one writer (SQLite's single-writer limit)`,
    () => {
      for (let row = 0; row < ATTEMPTS; row++) insert!.run(`r${next++}`, 'user');
    },
    {
      ...FIXED,
      setup() {
        dir = mkdtempSync(join(tmpdir(), 'kata-bench-'));
        raw = openConnection(join(dir, 'raw.sqlite'));
        setPragma(raw, 'journal_mode = WAL');
        setPragma(raw, 'synchronous = NORMAL');
        raw.exec('CREATE TABLE reservations (reservation_id TEXT PRIMARY KEY, user_id TEXT NOT NULL) WITHOUT ROWID');
        insert = prepareStatement(raw, 'INSERT INTO reservations VALUES (?, ?)');
      },
      teardown() {
        raw?.close();
        if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      },
    },
  );
}

/** The kit's own overhead on the same work: async statements, no contention. */
function kitSingleWriterBench(): void {
  const testDb = benchDatabase(() => createTestDatabase());
  let next = 0;
  bench(
    `kit db.run: ${ATTEMPTS} sequential autocommit INSERTs`,
    async () => {
      for (let row = 0; row < ATTEMPTS; row++)
        await testDb.current.db.run('INSERT INTO reservations VALUES (?, ?)', `k${next++}`, 'user');
    },
    {
      ...FIXED,
      async setup() {
        await (
          await testDb.open()
        ).db.exec('CREATE TABLE reservations (reservation_id TEXT PRIMARY KEY, user_id TEXT NOT NULL) WITHOUT ROWID');
      },
      teardown() {
        testDb.close();
      },
    },
  );
}

describe(`${ATTEMPTS} users race for 1 seat`, () => {
  rawSingleWriterBench();
  kitSingleWriterBench();
  for (const [label, create] of approaches) contentionBench(label, create, 1);
});

describe(`${ATTEMPTS} users race for 100 seats (10 per seat)`, () => {
  rawSingleWriterBench();
  for (const [label, create] of approaches) contentionBench(label, create, 100);
});

describe.skipIf(!postgres.ok)(`PostgreSQL: ${ATTEMPTS} users race for 1 seat`, () => {
  for (const [label, create] of postgresApproaches) contentionBench(label, create, 1, 'postgres');
});

describe.skipIf(!postgres.ok)(`PostgreSQL: ${ATTEMPTS} users race for 100 seats (10 per seat)`, () => {
  for (const [label, create] of postgresApproaches) contentionBench(label, create, 100, 'postgres');
});

if (!postgres.ok) console.warn(`PostgreSQL benchmarks skipped: ${postgres.reason}`);
