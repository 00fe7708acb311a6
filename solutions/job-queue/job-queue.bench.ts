/**
 * Jobs per second through the queue, per approach, beside the raw single-writer limit of SQLite
 * measured in the same run. One iteration = 1000 jobs enqueued, claimed and completed on one
 * instance; vitest's hz x 1000 = jobs per second. Every database is a fresh WAL file
 * (synchronous = NORMAL) made in setup, so only the work is timed.
 *
 * The second half runs one workload on four queues side by side: the SQLite reference, the
 * PostgreSQL reference, pg-boss 10 and graphile-worker 0.16, the last three on one PostgreSQL server
 * (the kit's throwaway one, `deterministic: false`; each row its own fresh database). 1000 jobs are
 * enqueued from 4 app instances (20 calls in flight), then 4 workers of 5 handlers each (one per
 * instance) drain them with a no-op handler. The drain row's clock is paused while its jobs are
 * enqueued (tinybench's `now` option), so it times only: start the 4 workers, run 1000 handlers,
 * until the database says all 1000 are completed. Settings per library: `peers` below.
 *
 *   npm run bench -- solutions/job-queue              (both halves)
 *   npm run bench:job-queue:postgres                   (the side-by-side rows only)
 *
 * tinybench calls `setup` before the warm-up and again before the measured run, and calls
 * `teardown` without awaiting it: a teardown that closes a database and then clears a shared
 * variable races the next setup (closing what that setup just made, so the next statement never
 * settles). The one-instance rows take their databases from the kit's benchDatabase, which
 * chains each close before the next open; the side-by-side rows make their fixture (a server's
 * worth of instances) once, keep it through the warm-up, and chain its close the same way.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  makeWorkerUtils,
  Logger,
  run as runGraphileWorker,
  runMigrations,
  type Runner,
  type WorkerUtils,
} from 'graphile-worker';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { bench, describe } from 'vitest';
import {
  benchDatabase,
  createTestDatabase,
  databaseReady,
  openTestDatabase,
  probePostgres,
  type Database,
  type Dialect,
  type TestDatabase,
} from '../../harness/kit/db/index.ts';
import { createManualClock } from '../../harness/kit/index.ts';
// Through the kit's native helpers: on Node 24 a better-sqlite3 statement that is garbage-collected aborts the process.
import { openConnection, prepareStatement, setPragma } from '../../harness/kit/db/native.ts';
import { createJobQueue as reference, type JobQueue, type JobQueueOptions } from './index.ts';
import { createJobQueue as postgresReference } from './postgres/index.ts';
import { createJobQueue as derivedState } from './variants/derived-state.ts';
import { createJobQueue as readmeOnly } from './variants/readme-only.ts';

type Factory = (db: Database, options: JobQueueOptions) => JobQueue;

const JOBS = 1000;
const ITERATIONS = 10;
const FIXED = { time: 0, iterations: ITERATIONS, warmupTime: 0, warmupIterations: 1 };

const approaches: [string, Factory][] = [
  ['reference (immediate transactions, leases settled on write)', reference],
  ['derived state (deferred transactions, status computed on read)', derivedState as unknown as Factory],
  [
    'readme-only (immediate transactions, one UPDATE per claimed job, status derived in JS on read)',
    readmeOnly as unknown as Factory,
  ],
];

/** The ceiling: one connection, prepared statements, each write its own committed transaction. */
function rawSingleWriterBench(): void {
  let dir: string | undefined;
  let raw: BetterSqlite3.Database | undefined;
  let insert: BetterSqlite3.Statement | undefined;
  let claim: BetterSqlite3.Statement | undefined;
  let complete: BetterSqlite3.Statement | undefined;
  let next = 0;
  bench(
    `raw better-sqlite3: ${JOBS} x (INSERT, UPDATE claim, UPDATE complete), autocommit, one writer`,
    () => {
      const first = next;
      for (let job = 0; job < JOBS; job++) insert!.run(`k${next++}`);
      for (let job = first; job < next; job++) claim!.run(`k${job}`);
      for (let job = first; job < next; job++) complete!.run(`k${job}`);
    },
    {
      ...FIXED,
      setup() {
        dir = mkdtempSync(join(tmpdir(), 'kata-bench-'));
        raw = openConnection(join(dir, 'raw.sqlite'));
        setPragma(raw, 'journal_mode = WAL');
        setPragma(raw, 'synchronous = NORMAL');
        raw.exec("CREATE TABLE jobs (key TEXT PRIMARY KEY, status TEXT NOT NULL DEFAULT 'pending') WITHOUT ROWID");
        insert = prepareStatement(raw, 'INSERT INTO jobs (key) VALUES (?)');
        claim = prepareStatement(raw, "UPDATE jobs SET status = 'running' WHERE key = ? AND status = 'pending'");
        complete = prepareStatement(raw, "UPDATE jobs SET status = 'completed' WHERE key = ? AND status = 'running'");
      },
      teardown() {
        raw?.close();
        if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      },
    },
  );
}

/** The queue's own calls: enqueue each job, claim them ten at a time, complete each. */
function queueBench(label: string, create: Factory): void {
  const testDb = benchDatabase(() => createTestDatabase());
  let queue: JobQueue | undefined;
  let block = 0;
  bench(
    `${label}: enqueue, claim(10), complete`,
    async () => {
      const prefix = `b${block++}`;
      for (let job = 0; job < JOBS; job++) await queue!.enqueue(`${prefix}-${job}`, 'payload');
      for (let claimed = 0; claimed < JOBS;) {
        const batch = await queue!.claim('bench', 10);
        await Promise.all(batch.map((job) => queue!.complete(job)));
        claimed += batch.length;
      }
    },
    {
      ...FIXED,
      async setup() {
        queue = create((await testDb.open()).db, { leaseMs: 600_000 });
        await queue.init();
      },
      teardown() {
        testDb.close();
      },
    },
  );
}

/** The worker: 1000 due jobs, concurrency 20, bufferSize 50, handlers that resolve at once. */
function workerBench(label: string, create: Factory): void {
  const testDb = benchDatabase(() => createTestDatabase());
  let queue: JobQueue | undefined;
  let clock = createManualClock();
  let block = 0;
  bench(
    `${label}: a worker runs ${JOBS} jobs`,
    async () => {
      const prefix = `w${block++}`;
      for (let job = 0; job < JOBS; job++) await queue!.enqueue(`${prefix}-${job}`, 'payload');
      let done = 0;
      const worker = queue!.startWorker(
        () => {
          done++;
        },
        { concurrency: 20, bufferSize: 50, pollIntervalMs: 10 },
      );
      while (done < JOBS) await clock.advance(10);
      await worker.stop({ graceMs: 0 });
      await clock.advance(0);
    },
    {
      ...FIXED,
      async setup() {
        const { db } = await testDb.open();
        clock = createManualClock();
        queue = create(db, { now: clock.now, sleep: clock.sleep, leaseMs: 600_000 });
        await queue.init();
      },
      teardown() {
        testDb.close();
      },
    },
  );
}

describe(`${JOBS} jobs through one instance`, () => {
  rawSingleWriterBench();
  for (const [label, create] of approaches) queueBench(label, create);
  for (const [label, create] of approaches) workerBench(label, create);
});

// ---------------------------------------------------------------------------------------------
// Side by side: the references beside pg-boss and graphile-worker, 4 instances x 5 handlers.
// ---------------------------------------------------------------------------------------------

const INSTANCES = 4;
const HANDLERS = 5;
const IN_FLIGHT = 20;
const PEER_ITERATIONS = 5;
const postgres = probePostgres();

/** tinybench's clock with a pause: time spent inside `untimed` is not counted. */
function pausableClock(): { now: () => number; untimed: <T>(work: () => Promise<T>) => Promise<T> } {
  let paused = 0;
  return {
    now: () => performance.now() - paused,
    async untimed(work) {
      const start = performance.now();
      try {
        return await work();
      } finally {
        paused += performance.now() - start;
      }
    },
  };
}

/** One library on its own database, with INSTANCES app instances. */
interface Contender {
  /** Sends one job through instance `instance`. */
  enqueue(instance: number, n: number): Promise<void>;
  /** Starts one worker of HANDLERS handlers per instance; `onJob` is called by each handler. */
  start(onJob: () => void): Promise<void>;
  stop(): Promise<void>;
  /** Jobs the database holds as completed (or, for graphile-worker, gone: it deletes them). */
  completed(): Promise<number>;
  close(): Promise<void>;
}

interface Peer {
  label: string;
  engine: Dialect;
  open(): Promise<Contender>;
}

function freshDatabase(engine: Dialect): TestDatabase {
  return engine === 'postgres' ? createTestDatabase({ engine, deterministic: false }) : createTestDatabase({ engine });
}

/** The kata's reference (either engine): one queue per instance, each on its own handle. */
function referencePeer(label: string, engine: Dialect, create: Factory): Peer {
  return {
    label,
    engine,
    async open() {
      const first = freshDatabase(engine);
      await databaseReady(first.location);
      const handles = [
        first,
        ...Array.from({ length: INSTANCES - 1 }, () =>
          engine === 'postgres'
            ? openTestDatabase(first.location, { engine, deterministic: false })
            : openTestDatabase(first.location),
        ),
      ];
      const queues = handles.map((handle) => create(handle.db, { leaseMs: 600_000 }));
      for (const queue of queues) await queue.init();
      for (const queue of queues) await queue.stats(); // connections open before anything is timed
      let workers: ReturnType<JobQueue['startWorker']>[] = [];
      return {
        async enqueue(instance, n) {
          await queues[instance]!.enqueue(`job-${n}`, 'payload');
        },
        async start(onJob) {
          workers = queues.map((queue) =>
            queue.startWorker(() => onJob(), { concurrency: HANDLERS, bufferSize: HANDLERS, pollIntervalMs: 1 }),
          );
        },
        async stop() {
          await Promise.all(workers.map((worker) => worker.stop({ graceMs: 10_000 })));
          workers = [];
        },
        async completed() {
          return (await queues[0]!.stats()).completed;
        },
        async close() {
          for (const handle of handles.slice(1)) await handle.close();
          await first.close();
        },
      };
    },
  };
}

/** pg-boss 10: one PgBoss per instance, HANDLERS work() loops each, fetching `batchSize` jobs a time. */
function pgBossPeer(batchSize: number): Peer {
  return {
    label: `pg-boss 10 (${INSTANCES} x ${HANDLERS} work(), batchSize ${batchSize}, pollingIntervalSeconds 0.5)`,
    engine: 'postgres',
    async open() {
      const testDb = freshDatabase('postgres');
      await databaseReady(testDb.location);
      const bosses: PgBoss[] = [];
      for (let i = 0; i < INSTANCES; i++) {
        // supervise/schedule off: no maintenance or cron loops running beside the workload.
        const boss = new PgBoss({ connectionString: testDb.location, supervise: false, schedule: false });
        boss.on('error', ignoreShutdown); // the database is dropped WITH (FORCE) under its pool at close
        await boss.start(); // one after the other: the first installs the schema
        bosses.push(boss);
      }
      await bosses[0]!.createQueue('bench');
      const counter = new pg.Client({ connectionString: testDb.location });
      counter.on('error', ignoreShutdown);
      await counter.connect();
      return {
        async enqueue(instance, n) {
          await bosses[instance]!.send('bench', { n });
        },
        async start(onJob) {
          const options = { batchSize, pollingIntervalSeconds: 0.5 };
          for (const boss of bosses)
            for (let h = 0; h < HANDLERS; h++)
              await boss.work('bench', options, async (jobs) => {
                for (const _ of jobs) onJob();
              });
        },
        async stop() {
          await Promise.all(bosses.map((boss) => boss.offWork('bench')));
        },
        async completed() {
          const result = await counter.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'bench' AND state = 'completed'",
          );
          return result.rows[0]!.n;
        },
        async close() {
          await counter.end();
          await Promise.all(bosses.map((boss) => boss.stop({ graceful: false, wait: true, timeout: 1_000 })));
          await testDb.close();
        },
      };
    },
  };
}

/** graphile-worker 0.16: one runner per instance (concurrency HANDLERS), LISTEN/NOTIFY plus a poll. */
function graphileWorkerPeer(): Peer {
  return {
    label: `graphile-worker 0.16 (${INSTANCES} runners x concurrency ${HANDLERS}, pollInterval 10 ms)`,
    engine: 'postgres',
    async open() {
      const testDb = freshDatabase('postgres');
      await databaseReady(testDb.location);
      const logger = new Logger(() => () => undefined);
      await runMigrations({ connectionString: testDb.location, logger });
      const pools = Array.from(
        { length: INSTANCES },
        () => new pg.Pool({ connectionString: testDb.location, max: 10 }),
      );
      for (const pool of pools) pool.on('error', ignoreShutdown);
      const utils: WorkerUtils[] = [];
      for (const pgPool of pools) utils.push(await makeWorkerUtils({ pgPool, logger }));
      let counted = 0;
      let runners: Runner[] = [];
      const counter = new pg.Client({ connectionString: testDb.location });
      counter.on('error', ignoreShutdown);
      await counter.connect();
      return {
        async enqueue(instance, n) {
          await utils[instance]!.addJob('bench', { n });
          counted++;
        },
        async start(onJob) {
          const taskList = {
            bench: async () => {
              onJob();
            },
          };
          runners = await Promise.all(
            pools.map((pgPool) =>
              runGraphileWorker({
                pgPool,
                concurrency: HANDLERS,
                pollInterval: 10,
                noHandleSignals: true,
                taskList,
                logger,
              }),
            ),
          );
        },
        async stop() {
          await Promise.all(runners.map((runner) => runner.stop()));
          runners = [];
        },
        async completed() {
          const result = await counter.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM graphile_worker._private_jobs',
          );
          return counted - result.rows[0]!.n;
        },
        async close() {
          await counter.end();
          for (const u of utils) await u.release();
          await Promise.all(pools.map((pool) => pool.end()));
          await testDb.close();
        },
      };
    },
  };
}

/**
 * The last row's close is not awaited by anyone (tinybench does not await teardown), so the
 * process may end and stop the kit's server under idle connections: 57P01, admin shutdown.
 */
function ignoreShutdown(error: Error & { code?: string }): void {
  if (error.code !== '57P01') console.error(error);
}

/** The previous row's close, awaited by the next row's setup (tinybench does not await teardown). */
let closing: Promise<void> = Promise.resolve();

async function enqueueAll(contender: Contender, from: number): Promise<void> {
  let n = from;
  const end = from + JOBS;
  const lane = async (): Promise<void> => {
    while (n < end) {
      const job = n++;
      await contender.enqueue(job % INSTANCES, job);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

async function until(done: () => Promise<boolean>): Promise<void> {
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** One row: `enqueue` times 1000 enqueues; `drain` times 4 workers draining 1000 enqueued jobs. */
function peerBench(peer: Peer, row: 'enqueue' | 'drain'): void {
  const clock = pausableClock();
  let contender: Promise<Contender> | undefined;
  let enqueued = 0;
  const title =
    row === 'enqueue'
      ? `${peer.label}: enqueue ${JOBS} (${IN_FLIGHT} in flight over ${INSTANCES} instances)`
      : `${peer.label}: drain ${JOBS} (${INSTANCES} x ${HANDLERS} handlers, no-op)`;
  bench(
    title,
    async () => {
      const queue = await contender!;
      if (row === 'enqueue') {
        await enqueueAll(queue, enqueued);
        enqueued += JOBS;
        return;
      }
      await clock.untimed(() => enqueueAll(queue, enqueued));
      enqueued += JOBS;
      let handled = 0;
      let allHandled!: () => void;
      const handledAll = new Promise<void>((resolve) => (allHandled = resolve));
      await queue.start(() => {
        if (++handled === JOBS) allHandled();
      });
      await handledAll;
      await until(async () => (await queue.completed()) >= enqueued);
      await clock.untimed(() => queue.stop());
    },
    {
      time: 0,
      iterations: PEER_ITERATIONS,
      warmupTime: 0,
      warmupIterations: 1,
      now: clock.now,
      async setup() {
        // Once per row, kept from the warm-up to the run (see the header).
        if (contender !== undefined) return;
        await closing;
        contender = peer.open();
        await contender;
      },
      teardown(_task, mode) {
        if (mode !== 'run' || contender === undefined) return;
        const open = contender;
        contender = undefined;
        closing = open.then((queue) => queue.close()).catch((error) => console.error(`closing ${peer.label}:`, error));
      },
    },
  );
}

const peers: Peer[] = [
  referencePeer('SQLite reference', 'sqlite', reference),
  referencePeer('PostgreSQL reference (FOR UPDATE SKIP LOCKED)', 'postgres', postgresReference as unknown as Factory),
  pgBossPeer(HANDLERS),
  pgBossPeer(50),
  graphileWorkerPeer(),
];

describe(`side by side: ${JOBS} jobs, ${INSTANCES} instances x ${HANDLERS} handlers`, () => {
  rawSingleWriterBench();
  for (const peer of peers) {
    if (peer.engine === 'postgres' && !postgres.ok) continue;
    peerBench(peer, 'enqueue');
    peerBench(peer, 'drain');
  }
});

if (!postgres.ok) console.warn(`PostgreSQL rows (reference, pg-boss, graphile-worker) skipped: ${postgres.reason}`);
