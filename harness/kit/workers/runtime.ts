/**
 * Runs inside each worker thread, bundled together with the module under test and the scenario:
 * opens this worker's own handle on the shared database (SQLite file or PostgreSQL URL), wires the start barrier and the first-statement
 * rendezvous, runs the scenario and posts back its result or its error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openTestDatabase } from '../db/test-database.ts';
import type { DatabaseOptions } from '../db/types.ts';
import { ARRIVED, arrive, arriveAndWait, createSharedClock, freezeUntilTerminated, READY } from './control.ts';
import { serializeError, type WorkerScenario } from './scenario.ts';

/** What the main thread sends each worker. */
export interface WorkerJob {
  /** A TestDatabase's location: the SQLite file's path or the PostgreSQL database's URL. */
  readonly databaseLocation: string;
  readonly workerIndex: number;
  readonly workerCount: number;
  readonly seed: number;
  readonly args: unknown;
  readonly database: Pick<DatabaseOptions, 'maxYields' | 'maxConnections' | 'maxAttempts' | 'deterministic'>;
  readonly control: SharedArrayBuffer;
  /** 0 disables the first-statement rendezvous. */
  readonly rendezvousTimeoutMs: number;
  readonly startTimeoutMs: number;
  /** The clock histories are stamped with, shared with the main thread. */
  readonly clock: SharedArrayBuffer;
  /** Terminate this worker at its n-th statement after start() (1-based), before or after it runs. */
  readonly crashAt?: { readonly statement: number; readonly timing: 'before' | 'after' };
}

export type WorkerMessage =
  | { readonly type: 'result'; readonly value: unknown }
  | { readonly type: 'crashing'; readonly statements: number }
  | { readonly type: 'error'; readonly error: { name: string; message: string; code?: string; stack?: string } };

export async function runWorkerScenario(impl: unknown, scenario: unknown): Promise<void> {
  const job = workerData as WorkerJob;
  const port = parentPort;
  if (port === null) throw new Error('runWorkerScenario runs only in a worker thread');
  let message: WorkerMessage;
  try {
    if (!isScenario(scenario)) {
      throw new TypeError('the scenario module must `export default defineWorkerScenario(...)`');
    }
    message = { type: 'result', value: await runScenario(impl, scenario, job) };
  } catch (error) {
    const stack = error instanceof Error ? error.stack : undefined;
    message = { type: 'error', error: { ...serializeError(error), ...(stack ? { stack } : {}) } };
  }
  port.postMessage(message);
}

async function runScenario(impl: unknown, scenario: WorkerScenario, job: WorkerJob): Promise<unknown> {
  let racing = false;
  let metAtRendezvous = false;
  let statements = 0;
  const crashAt = job.crashAt;
  /** The worker tells the main thread it is going down, then stops dead until it is terminated. */
  const crashNow = (): never => {
    // The others must not wait at the rendezvous for an instance that is gone.
    if (!metAtRendezvous && job.rendezvousTimeoutMs !== 0) {
      metAtRendezvous = true;
      arrive(job.control, ARRIVED);
    }
    parentPort!.postMessage({ type: 'crashing', statements } satisfies WorkerMessage);
    return freezeUntilTerminated(job.control);
  };
  const handle = openTestDatabase(job.databaseLocation, {
    ...job.database,
    seed: job.seed,
    hooks: {
      beforeStatement() {
        if (!racing || crashAt === undefined) return;
        statements++;
        if (crashAt.timing === 'before' && statements === crashAt.statement) crashNow();
      },
      afterStatement(_statement, outcome) {
        // After: the statement ran (a COMMIT committed), and the instance dies before anyone hears.
        if (racing && crashAt?.timing === 'after' && statements >= crashAt.statement && !outcome.busy) crashNow();
        if (!racing || metAtRendezvous || job.rendezvousTimeoutMs === 0) return;
        metAtRendezvous = true;
        // A worker that timed out or was aborted simply goes on: the rendezvous forces races, it
        // never decides a result.
        arriveAndWait(job.control, ARRIVED, job.workerCount, job.rendezvousTimeoutMs);
      },
    },
  });
  let started = false;
  const clock = createSharedClock(job.clock);
  try {
    return await scenario.run({
      tick: clock.tick,
      impl,
      db: handle.db,
      args: job.args,
      workerIndex: job.workerIndex,
      workerCount: job.workerCount,
      seed: job.seed,
      async start() {
        if (started) throw new Error('start() may be called once per worker');
        started = true;
        const outcome = arriveAndWait(job.control, READY, job.workerCount, job.startTimeoutMs);
        if (outcome === 'aborted') throw new Error('another worker failed before the race started');
        if (outcome === 'timed-out') {
          throw new Error(`not every worker reached start() within ${job.startTimeoutMs} ms`);
        }
        racing = true;
      },
    });
  } finally {
    await handle.close();
  }
}

function isScenario(value: unknown): value is WorkerScenario {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'backend-katas.worker-scenario' &&
    typeof (value as { run?: unknown }).run === 'function'
  );
}
