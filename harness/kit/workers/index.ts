/**
 * Several app instances on one database: runs a worker-side scenario (see scenario.ts) in N
 * worker threads, each with the module under test and its own connections to the same SQLite file
 * or PostgreSQL database, releases them together, forces them to meet after their first
 * statement, and gathers what each returned. A process-local lock passes every one-process test
 * and fails here.
 */
import { Worker } from 'node:worker_threads';
import { setTimeout as realSetTimeout, clearTimeout as realClearTimeout } from 'node:timers';
import { databaseReady } from '../db/test-database.ts';
import type { DatabaseOptions } from '../db/types.ts';
import { bundleWorker } from './bundle.ts';
import { abortAll, createControl, createSharedClock, type SharedClock } from './control.ts';
import type { WorkerJob, WorkerMessage } from './runtime.ts';

export { WorkerBundleError } from './bundle.ts';
export { createSharedClock } from './control.ts';
export type { SharedClock } from './control.ts';
export { defineWorkerScenario, serializeError, settleAll } from './scenario.ts';
export type { SerializedError, Settled, WorkerScenario, WorkerScenarioContext } from './scenario.ts';

export interface RunWorkersOptions<Args> {
  /** Absolute path of the scenario module (its default export is defineWorkerScenario(...)). */
  readonly scenarioFile: string;
  /** Absolute path of the module under test (a check's `targetFile`). */
  readonly targetFile: string;
  /**
   * The database every worker opens: a TestDatabase's `location` (a file's path on SQLite, a
   * postgres:// URL on PostgreSQL).
   */
  readonly databaseLocation?: string;
  /** The older name of `databaseLocation` (a TestDatabase's `file`, which on PostgreSQL is its URL too). */
  readonly databaseFile?: string;
  /** How many app instances. */
  readonly workers: number;
  /** Passed to every worker's scenario; must survive structured cloning. */
  readonly args?: Args;
  /** Seeds each worker's interleaving (worker i uses a seed derived from this and i). Default: 0. */
  readonly seed?: number;
  /** Options for each worker's database handle. */
  readonly database?: Pick<DatabaseOptions, 'maxYields' | 'maxConnections' | 'maxAttempts' | 'deterministic'>;
  /**
   * Longest wait, per worker, at the first-statement rendezvous, in ms; 0 turns it off. It bounds
   * the wait so a lock holder paused there cannot deadlock the run. Default: 2000.
   */
  readonly rendezvousTimeoutMs?: number;
  /** The whole run, bundling included, in ms; then every worker is terminated. Default: 20000. */
  readonly timeoutMs?: number;
  /** The logical clock the workers' `tick()` reads; pass one to stamp main-thread calls too. Default: a new one. */
  readonly clock?: SharedClock;
}

export interface CrashPoint {
  /** Which worker (app instance) dies, from 0. */
  readonly worker: number;
  /**
   * At its n-th database statement after start(), counting every attempt of every statement
   * (BEGIN and COMMIT included), from 1.
   */
  readonly statement: number;
  /** 'before': the statement never runs. 'after': it runs (a COMMIT commits), then the worker dies. Default: 'before'. */
  readonly timing?: 'before' | 'after';
}

export interface CrashingRun<Result> {
  /** Each worker's result by index; undefined for the worker that was terminated. */
  readonly results: readonly (Result | undefined)[];
  /** Where the worker died, or undefined when it finished before reaching the crash point. */
  readonly crashed: { readonly worker: number; readonly statements: number } | undefined;
}

/** A worker's scenario threw, or the worker died. */
export class WorkerScenarioError extends Error {
  readonly code = 'ERR_WORKER_SCENARIO';

  constructor(
    readonly workerIndex: number,
    workerCount: number,
    message: string,
    readonly causeCode?: string,
  ) {
    super(`app instance ${workerIndex + 1} of ${workerCount}: ${message}`);
    this.name = 'WorkerScenarioError';
  }
}

export class WorkerTimeoutError extends Error {
  readonly code = 'ERR_WORKER_TIMEOUT';

  constructor(timeoutMs: number, pending: number) {
    super(`${pending} app instance(s) had not finished after ${timeoutMs} ms: deadlock or runaway loop?`);
    this.name = 'WorkerTimeoutError';
  }
}

const DEFAULT_TIMEOUT_MS = 20_000;
const DEFAULT_RENDEZVOUS_MS = 2_000;
const START_TIMEOUT_MS = 10_000;

/** Each worker's result, by worker index. Rejects with the first worker failure. */
export async function runWorkers<Result, Args = unknown>(options: RunWorkersOptions<Args>): Promise<Result[]> {
  const run = await runWorkerThreads<Result, Args>(options, undefined);
  return run.results as Result[];
}

/**
 * Like runWorkers, and one worker is terminated mid-call at a given statement, as a process that
 * crashes: its connections close (SQLite rolls back what it had not committed) and it never
 * answers. Everything it committed before stays.
 */
export async function runWorkersWithCrash<Result, Args = unknown>(
  options: RunWorkersOptions<Args> & { readonly crash: CrashPoint },
): Promise<CrashingRun<Result>> {
  const { crash } = options;
  if (!Number.isInteger(crash.worker) || crash.worker < 0 || crash.worker >= options.workers) {
    throw new RangeError(
      `crash.worker must be a worker index below ${options.workers}, received ${String(crash.worker)}`,
    );
  }
  if (!Number.isInteger(crash.statement) || crash.statement < 1) {
    throw new RangeError(`crash.statement must be a positive integer, received ${String(crash.statement)}`);
  }
  return runWorkerThreads<Result, Args>(options, crash);
}

async function runWorkerThreads<Result, Args>(
  options: RunWorkersOptions<Args>,
  crash: CrashPoint | undefined,
): Promise<CrashingRun<Result>> {
  const count = options.workers;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`workers must be a positive integer, received ${String(count)}`);
  }
  const location = options.databaseLocation ?? options.databaseFile;
  if (typeof location !== 'string' || location === '') {
    throw new TypeError("databaseLocation must name the database (a TestDatabase's location)");
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  const bundle = await bundleWorker(options.scenarioFile, options.targetFile);
  // A PostgreSQL database the main thread is still creating must exist before a worker connects.
  await databaseReady(location);
  const control = createControl();
  const clock = options.clock ?? createSharedClock();
  const baseSeed = options.seed ?? 0;
  const workers: Worker[] = [];
  const results: (Result | undefined)[] = new Array<Result | undefined>(count);
  let crashed: CrashingRun<Result>['crashed'];

  return new Promise<CrashingRun<Result>>((resolve, reject) => {
    let pending = count;
    let finished = false;
    const finish = (error: Error | undefined): void => {
      if (finished) return;
      finished = true;
      realClearTimeout(timer);
      if (error !== undefined) abortAll(control);
      for (const worker of workers) void worker.terminate();
      if (error === undefined) resolve({ results, crashed });
      else reject(error);
    };
    const timer = realSetTimeout(
      () => finish(new WorkerTimeoutError(timeoutMs, pending)),
      Math.max(1, timeoutMs - (Date.now() - started)),
    );

    for (let index = 0; index < count; index++) {
      const job: WorkerJob = {
        databaseLocation: location,
        workerIndex: index,
        workerCount: count,
        seed: workerSeed(baseSeed, index),
        args: options.args,
        database: options.database ?? {},
        control,
        clock: clock.buffer,
        rendezvousTimeoutMs: options.rendezvousTimeoutMs ?? DEFAULT_RENDEZVOUS_MS,
        startTimeoutMs: START_TIMEOUT_MS,
        ...(crash !== undefined && crash.worker === index
          ? { crashAt: { statement: crash.statement, timing: crash.timing ?? 'before' } }
          : {}),
      };
      let worker: Worker;
      try {
        // execArgv: [] so a parent started with `--import tsx` does not pass the loader on.
        worker = new Worker(bundle, { workerData: job, execArgv: [] });
      } catch (error) {
        finish(new WorkerScenarioError(index, count, `could not start: ${(error as Error).message}`));
        return;
      }
      workers.push(worker);
      let answered = false;
      worker.on('message', (message: WorkerMessage) => {
        answered = true;
        if (message.type === 'crashing') {
          crashed = { worker: index, statements: message.statements };
          void worker.terminate();
          pending--;
          if (pending === 0) finish(undefined);
          return;
        }
        if (message.type === 'error') {
          finish(new WorkerScenarioError(index, count, message.error.message, message.error.code));
          return;
        }
        results[index] = message.value as Result;
        pending--;
        if (pending === 0) finish(undefined);
      });
      worker.on('error', (error) => finish(new WorkerScenarioError(index, count, error.message)));
      worker.on('exit', (code) => {
        if (!answered) finish(new WorkerScenarioError(index, count, `exited (code ${code}) without a result`));
      });
    }
  });
}

/** Distinct, stable seeds per worker. */
function workerSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + index * 0x27d4eb2f) | 0;
}
