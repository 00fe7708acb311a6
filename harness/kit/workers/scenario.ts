/**
 * The worker side of "N app instances on one database file": a scenario module's default export,
 * run in every worker thread with the module under test and that worker's own database handle.
 * Whatever the scenario returns travels back by structured clone, so return plain data; use
 * settleAll() to turn promises (and the errors they reject with) into plain data.
 */
import type { Database } from '../db/types.ts';

export interface WorkerScenarioContext<Impl, Args> {
  /** The module under test, loaded in this worker. */
  readonly impl: Impl;
  /** This worker's own handle on the shared database file (its own connections). */
  readonly db: Database;
  /** What the spec passed to runWorkers (structured-cloned). */
  readonly args: Args;
  readonly workerIndex: number;
  readonly workerCount: number;
  /** This worker's seed, derived from the spec's seed and the worker index. */
  readonly seed: number;
  /**
   * The shared logical clock (runWorkers' `clock` option): stamp each call's invocation and return
   * with it, and the main thread can merge every worker's calls into one history.
   */
  tick(): number;
  /**
   * Call once setup is done (service created, schema ensured). Waits until every worker has
   * called it, so the race starts everywhere at once, then arms the rendezvous: after its first
   * database statement of the race, each worker waits (boundedly) until every worker has run
   * one too, so no instance finishes its work before the others have begun theirs.
   */
  start(): Promise<void>;
}

export interface WorkerScenario<Impl = unknown, Args = unknown, Result = unknown> {
  readonly kind: 'backend-katas.worker-scenario';
  readonly run: (context: WorkerScenarioContext<Impl, Args>) => Promise<Result>;
}

export function defineWorkerScenario<Impl, Args, Result>(
  run: (context: WorkerScenarioContext<Impl, Args>) => Promise<Result>,
): WorkerScenario<Impl, Args, Result> {
  return { kind: 'backend-katas.worker-scenario', run };
}

/** An error as it crosses a thread boundary: name, message and the stable code, if any. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

export type Settled<T> =
  | { readonly status: 'fulfilled'; readonly value: T }
  | { readonly status: 'rejected'; readonly error: SerializedError };

export function serializeError(thrown: unknown): SerializedError {
  if (typeof thrown === 'object' && thrown !== null) {
    const { name, message, code } = thrown as { name?: unknown; message?: unknown; code?: unknown };
    return {
      name: typeof name === 'string' ? name : 'Error',
      message: typeof message === 'string' ? message : String(thrown),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { name: 'Error', message: `non-error value thrown: ${String(thrown)}` };
}

/** Like Promise.allSettled, with errors reduced to plain data that survives postMessage. */
export async function settleAll<T>(promises: Iterable<Promise<T>>): Promise<Settled<T>[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((outcome) =>
    outcome.status === 'fulfilled'
      ? { status: 'fulfilled', value: outcome.value }
      : { status: 'rejected', error: serializeError(outcome.reason) },
  );
}
