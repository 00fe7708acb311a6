/**
 * Jobs per second through the queue, per approach, beside the raw single-writer limit of SQLite
 * measured in the same run. One iteration = 1000 jobs enqueued, claimed and completed on one
 * instance; vitest's hz x 1000 = jobs per second. Every database is a fresh WAL file
 * (synchronous = NORMAL) made in setup, so only the work is timed.
 *
 *   npm run bench -- solutions/job-queue
 */
import type BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import { createTestDatabase, type Database, type TestDatabase } from '../../harness/kit/db/index.ts';
import { createManualClock } from '../../harness/kit/index.ts';
// Through the kit's native helpers: on Node 24 a better-sqlite3 statement that is garbage-collected aborts the process.
import { openConnection, prepareStatement, setPragma } from '../../harness/kit/db/native.ts';
import { createJobQueue as reference, type JobQueue, type JobQueueOptions } from './index.ts';
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
  let testDb: TestDatabase | undefined;
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
        await testDb?.close();
        testDb = createTestDatabase();
        queue = create(testDb.db, { leaseMs: 600_000 });
        await queue.init();
      },
      async teardown() {
        await testDb?.close();
        testDb = undefined;
      },
    },
  );
}

/** The worker: 1000 due jobs, concurrency 20, bufferSize 50, handlers that resolve at once. */
function workerBench(label: string, create: Factory): void {
  let testDb: TestDatabase | undefined;
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
        await testDb?.close();
        testDb = createTestDatabase();
        clock = createManualClock();
        queue = create(testDb.db, { now: clock.now, sleep: clock.sleep, leaseMs: 600_000 });
        await queue.init();
      },
      async teardown() {
        await testDb?.close();
        testDb = undefined;
      },
    },
  );
}

describe(`${JOBS} jobs through one instance`, () => {
  rawSingleWriterBench();
  for (const [label, create] of approaches) queueBench(label, create);
  for (const [label, create] of approaches) workerBench(label, create);
});
