/**
 * One app instance in a worker thread that the spec terminates in the middle of a call: it makes
 * its calls one after the other, and the spec kills it at one of their statements (before or after
 * the statement runs). What it returns is never read when it dies, so it reports its progress as it
 * goes, on memory shared with the main thread: which calls it has started, and how each ended. The
 * other instances' view of the database is the evidence; the progress says which states may explain
 * it (before or after the call that was cut short, never an earlier one).
 */
import { settle } from '../../harness/kit/outcome.ts';
import { defineWorkerScenario } from '../../harness/kit/workers/scenario.ts';
import { invokeService } from './calls.ts';
import type { SeatCall } from './model.ts';
import type * as SeatKata from './index.ts';

/** A call's cell in `progress`: not started yet, started (no answer yet), resolved, rejected. */
export const CALL_NOT_STARTED = 0;
export const CALL_STARTED = 1;
export const CALL_RESOLVED = 2;
export const CALL_REJECTED = 3;

export interface CrashInstanceArgs {
  readonly holdMs: number;
  readonly nowMs: number;
  readonly calls: readonly SeatCall[];
  /** One Int32 cell per call (CALL_*), shared with the main thread. */
  readonly progress: SharedArrayBuffer;
}

export default defineWorkerScenario<typeof SeatKata, CrashInstanceArgs, number>(async ({ impl, db, args, start }) => {
  const progress = new Int32Array(args.progress);
  const service = impl.createSeatService(db, { holdMs: args.holdMs, now: () => args.nowMs });
  await service.init();
  await start();
  let settled = 0;
  for (const [index, call] of args.calls.entries()) {
    Atomics.store(progress, index, CALL_STARTED);
    const outcome = await settle(() => invokeService(impl, service, call));
    Atomics.store(progress, index, outcome.ok ? CALL_RESOLVED : CALL_REJECTED);
    settled++;
  }
  return settled;
});
