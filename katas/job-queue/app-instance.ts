/**
 * One app instance, run by the spec in a worker thread of its own: its own copy of the module (no
 * memory shared with the other instances), its own connections to the shared database file, its
 * own manual clock set to the spec's time. What it does depends on `args.mode`.
 */
import { createManualClock } from '../../harness/kit/clock.ts';
import { defineWorkerScenario, serializeError, type SerializedError } from '../../harness/kit/workers/scenario.ts';
import { performInput, type HistoryInput } from './history-input.ts';
import type * as JobQueueKata from './index.ts';

export interface EnqueueRaceArgs {
  readonly mode: 'enqueue-race';
  readonly nowMs: number;
  readonly key: string;
  readonly callsPerInstance: number;
}

export interface ClaimRaceArgs {
  readonly mode: 'claim-race';
  readonly nowMs: number;
  readonly callsPerInstance: number;
  readonly limit: number;
}

export interface HistoryArgs {
  readonly mode: 'history';
  readonly nowMs: number;
  readonly options: JobQueueKata.JobQueueOptions;
  readonly random: number;
  /** Each instance's calls, by worker index, started at once. */
  readonly calls: readonly (readonly HistoryInput[])[];
}

export interface RunJobsArgs {
  readonly mode: 'run-jobs';
  readonly nowMs: number;
  readonly options: JobQueueKata.JobQueueOptions;
  readonly worker: { readonly concurrency: number; readonly bufferSize: number; readonly pollIntervalMs: number };
  /** Jobs are named job-0 ... job-(total - 1). */
  readonly total: number;
  /** Every job whose index is a multiple of this fails its first attempt (0: none does). */
  readonly failFirstEvery: number;
  /** Event-loop turns each handler takes, from the scenario's seed: 0 .. this. */
  readonly maxHandlerTurns: number;
  /**
   * Handler calls per (job, instance), shared by every instance: Int32 cells job * workers +
   * instance, and one more cell after them, set once the hanging instance has started a handler.
   */
  readonly calls: SharedArrayBuffer;
  /** This instance's handlers never finish (it is the one that will be killed mid-job). */
  readonly hangingInstance?: number;
  /** Loop until every job is completed, or until nothing is pending (the others may have crashed). */
  readonly until: 'all-completed' | 'nothing-pending';
  readonly maxLoops: number;
}

export type AppInstanceArgs = EnqueueRaceArgs | ClaimRaceArgs | HistoryArgs | RunJobsArgs;

export type Settled<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SerializedErrorWithFields };

export interface SerializedErrorWithFields extends SerializedError {
  readonly key?: string;
  readonly status?: string;
}

export interface RecordedCall {
  readonly input: HistoryInput;
  readonly invokedAt: number;
  readonly returnedAt: number;
  readonly outcome: Settled<unknown>;
}

export interface RunJobsResult {
  /** Keys whose handler resolved here. */
  readonly succeeded: string[];
  readonly failedAttempts: number;
  /** Most handlers running at once in this instance. */
  readonly maxRunning: number;
  readonly loops: number;
}

function serialize(thrown: unknown): SerializedErrorWithFields {
  const base = serializeError(thrown);
  const { key, status } = (thrown ?? {}) as { key?: unknown; status?: unknown };
  return {
    ...base,
    ...(typeof key === 'string' ? { key } : {}),
    ...(typeof status === 'string' ? { status } : {}),
  };
}

async function settled<T>(call: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return { ok: false, error: serialize(error) };
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export default defineWorkerScenario<typeof JobQueueKata, AppInstanceArgs, unknown>(
  async ({ impl, db, args, workerIndex, workerCount, seed, start, tick }) => {
    const clock = createManualClock({ startMs: args.nowMs });
    const extra = args.mode === 'history' || args.mode === 'run-jobs' ? args.options : {};
    const random = args.mode === 'history' ? args.random : 0.5;
    const queue = impl.createJobQueue(db, { ...extra, now: clock.now, sleep: clock.sleep, random: () => random });
    await queue.init();

    if (args.mode === 'enqueue-race') {
      await start();
      return Promise.all(
        Array.from({ length: args.callsPerInstance }, (_, call) =>
          settled(async () => {
            const { created, job } = await queue.enqueue(args.key, `instance ${workerIndex} call ${call}`);
            return { created, payload: job.payload };
          }),
        ),
      );
    }

    if (args.mode === 'claim-race') {
      await start();
      return Promise.all(
        Array.from({ length: args.callsPerInstance }, () =>
          settled(async () => (await queue.claim(`instance-${workerIndex}`, args.limit)).map((job) => job.key)),
        ),
      );
    }

    if (args.mode === 'history') {
      const mine = args.calls[workerIndex] ?? [];
      await start();
      return Promise.all(
        mine.map(async (input): Promise<RecordedCall> => {
          const invokedAt = tick();
          const outcome = await settled(() => performInput(queue, input));
          return { input, invokedAt, returnedAt: tick(), outcome };
        }),
      );
    }

    // run-jobs: a worker with handlers that take a few turns; some fail their first attempt.
    const calls = new Int32Array(args.calls);
    let state = seed >>> 0;
    const turns = () => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return state % (args.maxHandlerTurns + 1);
    };
    const succeeded: string[] = [];
    let failedAttempts = 0;
    let running = 0;
    let maxRunning = 0;
    // The race starts with the first poll: every instance's first claim meets the others'. When one
    // instance is to hang, the others start only once it holds jobs.
    await start();
    if (args.hangingInstance !== undefined && args.hangingInstance !== workerIndex) {
      const deadline = Date.now() + 10_000;
      while (Atomics.load(calls, args.total * workerCount) === 0 && Date.now() < deadline) await nextTurn();
    }
    const worker = queue.startWorker(
      async (job) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const index = Number(job.key.slice('job-'.length));
        Atomics.add(calls, index * workerCount + workerIndex, 1);
        if (args.hangingInstance === workerIndex) {
          Atomics.store(calls, args.total * workerCount, 1);
          return new Promise<never>(() => undefined);
        }
        try {
          for (let turn = turns(); turn > 0; turn--) await nextTurn();
          if (args.failFirstEvery > 0 && index % args.failFirstEvery === 0 && job.attempt === 1) {
            failedAttempts++;
            throw new Error(`first attempt of ${job.key} fails`);
          }
          succeeded.push(job.key);
        } finally {
          running--;
        }
      },
      { ...args.worker, workerId: `instance-${workerIndex}` },
    );
    let loops = 0;
    let quietChecks = 0;
    while (loops < args.maxLoops) {
      const stats = await queue.stats();
      if (args.until === 'all-completed' && stats.completed === args.total) break;
      if (args.until === 'nothing-pending') {
        quietChecks = stats.pending === 0 && running === 0 ? quietChecks + 1 : 0;
        if (quietChecks >= 3) break;
      }
      await clock.advance(args.worker.pollIntervalMs);
      loops++;
    }
    await worker.stop({ graceMs: 2_147_483_647 });
    const result: RunJobsResult = { succeeded, failedAttempts, maxRunning, loops };
    return result;
  },
);
