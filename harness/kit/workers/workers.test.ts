import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/index.ts';
import type { Settled } from './index.ts';
import { createSharedClock, runWorkers, runWorkersWithCrash } from './index.ts';

const scenarioFile = fileURLToPath(new URL('./fixtures/increment.scenario.ts', import.meta.url));
const targetFile = fileURLToPath(new URL('./fixtures/counters.ts', import.meta.url));

const opened: TestDatabase[] = [];
afterEach(async () => {
  for (const handle of opened.splice(0)) await handle.close();
});

async function counterDatabase(): Promise<TestDatabase> {
  const handle = createTestDatabase();
  opened.push(handle);
  const { createCounter } = await import('./fixtures/counters.ts');
  await createCounter(handle.db, 'atomic').init();
  return handle;
}

async function finalValue(handle: TestDatabase): Promise<number> {
  return (await handle.db.get<{ value: number }>('SELECT value FROM counter WHERE id = 1'))!.value;
}

describe('runWorkers', () => {
  test('four instances on one file: an atomic statement loses nothing', async () => {
    const handle = await counterDatabase();
    const results = await runWorkers<Settled<number>[]>({
      scenarioFile,
      targetFile,
      databaseFile: handle.file,
      workers: 4,
      args: { strategy: 'atomic', increments: 50 },
      database: { maxYields: 2 },
      seed: 1,
    });
    expect(results).toHaveLength(4);
    expect(results.flat().every((outcome) => outcome.status === 'fulfilled')).toBe(true);
    expect(await finalValue(handle)).toBe(200);
  });

  test('a lock inside one process does not protect across instances (forced, not hoped for)', async () => {
    for (let run = 0; run < 3; run++) {
      const handle = await counterDatabase();
      await runWorkers({
        scenarioFile,
        targetFile,
        databaseFile: handle.file,
        workers: 4,
        args: { strategy: 'mutex', increments: 10 },
      });
      // Every instance read 0 before any wrote, at the rendezvous: at least three updates are lost.
      expect(await finalValue(handle)).toBeLessThanOrEqual(37);
    }
  });

  test("a scenario's error names the instance and keeps its code", async () => {
    const handle = await counterDatabase();
    await expect(
      runWorkers({
        scenarioFile,
        targetFile,
        databaseFile: handle.file,
        workers: 3,
        args: { strategy: 'atomic', increments: 1, failSetup: true },
      }),
    ).rejects.toMatchObject({
      code: 'ERR_WORKER_SCENARIO',
      workerIndex: 1,
      message: 'app instance 2 of 3: setup failed on purpose',
    });
  });

  test('a target that does not compile is reported as a bundle error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kata-broken-'));
    try {
      const broken = join(dir, 'broken.ts');
      writeFileSync(broken, 'export function createCounter( {');
      const handle = await counterDatabase();
      await expect(
        runWorkers({ scenarioFile, targetFile: broken, databaseFile: handle.file, workers: 2 }),
      ).rejects.toMatchObject({ code: 'ERR_WORKER_BUNDLE' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad options are rejected', async () => {
    await expect(runWorkers({ scenarioFile, targetFile, databaseFile: '/nowhere.sqlite', workers: 0 })).rejects.toThrow(
      RangeError,
    );
  });

  test('a worker terminated mid-call keeps what it committed and loses the rest', async () => {
    for (const timing of ['before', 'after'] as const) {
      const handle = await counterDatabase();
      const run = await runWorkersWithCrash<number[]>({
        scenarioFile,
        targetFile,
        databaseFile: handle.file,
        workers: 1,
        args: { strategy: 'atomic', increments: 20, sequential: true },
        crash: { worker: 0, statement: 5, timing },
      });
      expect(run.crashed).toEqual({ worker: 0, statements: 5 });
      expect(run.results[0]).toBeUndefined();
      // Each increment is one autocommit statement: 4 ran before the crash, a fifth if it ran first.
      expect(await finalValue(handle)).toBe(timing === 'after' ? 5 : 4);
    }
  });

  test('the other instances finish when one is terminated', async () => {
    const handle = await counterDatabase();
    const run = await runWorkersWithCrash<number[]>({
      scenarioFile,
      targetFile,
      databaseFile: handle.file,
      workers: 3,
      args: { strategy: 'atomic', increments: 20, sequential: true },
      crash: { worker: 1, statement: 3 },
      seed: 3,
    });
    expect(run.crashed?.worker).toBe(1);
    expect(run.results.map((result) => result?.length)).toEqual([20, undefined, 20]);
    const value = await finalValue(handle);
    expect(value).toBeGreaterThanOrEqual(40);
    expect(value).toBeLessThan(43);
  });

  test('a crash point past the last statement never fires', async () => {
    const handle = await counterDatabase();
    const run = await runWorkersWithCrash<Settled<number>[]>({
      scenarioFile,
      targetFile,
      databaseFile: handle.file,
      workers: 2,
      args: { strategy: 'atomic', increments: 3 },
      crash: { worker: 1, statement: 50 },
    });
    expect(run.crashed).toBeUndefined();
    expect(await finalValue(handle)).toBe(6);
  });

  test('one logical clock orders calls across the main thread and every worker', async () => {
    const handle = await counterDatabase();
    const clock = createSharedClock();
    const before = clock.tick();
    const stamps = await runWorkers<number[]>({
      scenarioFile,
      targetFile,
      databaseFile: handle.file,
      workers: 2,
      args: { strategy: 'atomic', increments: 5, sequential: true, stamps: true },
      clock,
    });
    const after = clock.tick();
    const all = stamps.flat();
    expect(new Set(all).size).toBe(10);
    expect(Math.min(...all)).toBeGreaterThan(before);
    expect(Math.max(...all)).toBeLessThan(after);
    for (const worker of stamps) expect([...worker].sort((a, b) => a - b)).toEqual(worker);
  });
});
