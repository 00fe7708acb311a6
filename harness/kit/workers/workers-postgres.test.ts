/**
 * The workers kit on PostgreSQL: app instances in worker threads, each with its own pool on one
 * database (opened by URL), the first-statement rendezvous, and a worker terminated mid-call.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/index.ts';
import { describePostgres } from '../db/postgres/testing.ts';
import type { Settled } from './index.ts';
import { runWorkers, runWorkersWithCrash } from './index.ts';

const scenarioFile = fileURLToPath(new URL('./fixtures/increment.scenario.ts', import.meta.url));
const targetFile = fileURLToPath(new URL('./fixtures/counters.ts', import.meta.url));
const SLOW = { timeout: 120_000 };

const opened: TestDatabase[] = [];
afterEach(async () => {
  for (const handle of opened.splice(0)) await handle.close();
});

async function counterDatabase(): Promise<TestDatabase> {
  const handle = createTestDatabase({ engine: 'postgres' });
  opened.push(handle);
  const { createCounter } = await import('./fixtures/counters.ts');
  await createCounter(handle.db, 'atomic').init();
  return handle;
}

async function finalValue(handle: TestDatabase): Promise<number> {
  return (await handle.db.get<{ value: number }>('SELECT value FROM counter WHERE id = 1'))!.value;
}

describePostgres('runWorkers on PostgreSQL', () => {
  test('four instances on one database: an atomic statement loses nothing', SLOW, async () => {
    const handle = await counterDatabase();
    const results = await runWorkers<Settled<number>[]>({
      scenarioFile,
      targetFile,
      databaseLocation: handle.location,
      workers: 4,
      args: { strategy: 'atomic', increments: 25 },
      database: { maxYields: 2 },
      seed: 1,
      timeoutMs: 60_000,
    });
    expect(results.flat().every((outcome) => outcome.status === 'fulfilled')).toBe(true);
    expect(await finalValue(handle)).toBe(100);
  });

  test('a lock inside one process does not protect across instances (forced, not hoped for)', SLOW, async () => {
    for (let run = 0; run < 2; run++) {
      const handle = await counterDatabase();
      await runWorkers({
        scenarioFile,
        targetFile,
        databaseLocation: handle.location,
        workers: 4,
        args: { strategy: 'mutex', increments: 10 },
        timeoutMs: 60_000,
      });
      expect(await finalValue(handle)).toBeLessThanOrEqual(37);
    }
  });

  test('a worker terminated mid-call keeps what it committed; the others finish', SLOW, async () => {
    for (const timing of ['before', 'after'] as const) {
      const handle = await counterDatabase();
      const run = await runWorkersWithCrash<number[]>({
        scenarioFile,
        targetFile,
        // `file` is the URL on PostgreSQL, so specs written for SQLite pass it unedited.
        databaseFile: handle.file,
        workers: 2,
        args: { strategy: 'atomic', increments: 10, sequential: true },
        crash: { worker: 0, statement: 5, timing },
        timeoutMs: 60_000,
      });
      expect(run.crashed).toEqual({ worker: 0, statements: 5 });
      expect(run.results.map((result) => result?.length)).toEqual([undefined, 10]);
      expect(await finalValue(handle)).toBe(10 + (timing === 'after' ? 5 : 4));
    }
  });
});
