/**
 * One app instance in a worker thread for the linearizability check across instances: its own
 * copy of the module, its own connections, the spec's time. It makes its share of a concurrent
 * batch of calls, stamping each call's start and return on the clock shared with the main thread
 * and every other instance, and returns what each call did, as plain data.
 */
import { startStaggered } from '../../harness/kit/history.ts';
import { settle, type Outcome } from '../../harness/kit/outcome.ts';
import { defineWorkerScenario } from '../../harness/kit/workers/scenario.ts';
import { invokeService } from './calls.ts';
import type { SeatCall } from './model.ts';
import type * as SeatKata from './index.ts';

export interface HistoryInstanceArgs {
  readonly holdMs: number;
  readonly nowMs: number;
  /** Each instance's calls, by worker index. */
  readonly calls: readonly (readonly SeatCall[])[];
  readonly maxDelayTurns: number;
}

export interface RecordedCall {
  readonly input: SeatCall;
  readonly invokedAt: number;
  readonly returnedAt: number;
  /** An error arrives as its name, message, code and documented fields. */
  readonly outcome: Outcome<unknown>;
}

const ERROR_FIELDS = ['name', 'message', 'code', 'seatId', 'seatIds', 'reservationId'] as const;

/** What survives the trip to the main thread: the value as it is, an error as its fields. */
function portable(outcome: Outcome<unknown>): Outcome<unknown> {
  if (outcome.ok) return outcome;
  const error = outcome.error;
  if (typeof error !== 'object' || error === null)
    return { ok: false, error: { name: 'non-error', message: String(error) } };
  const fields: Record<string, unknown> = {};
  for (const field of ERROR_FIELDS) {
    const value = (error as Record<string, unknown>)[field];
    if (value !== undefined) fields[field] = Array.isArray(value) ? [...value] : value;
  }
  return { ok: false, error: fields };
}

export default defineWorkerScenario<typeof SeatKata, HistoryInstanceArgs, RecordedCall[]>(
  async ({ impl, db, args, workerIndex, seed, tick, start }) => {
    const service = impl.createSeatService(db, { holdMs: args.holdMs, now: () => args.nowMs });
    await service.init();
    const recorded: RecordedCall[] = [];
    await start();
    await startStaggered(
      (args.calls[workerIndex] ?? []).map((input) => ({
        process: `instance ${workerIndex + 1}`,
        run: async () => {
          const invokedAt = tick();
          const outcome = await settle(() => invokeService(impl, service, input));
          recorded.push({ input, invokedAt, returnedAt: tick(), outcome: portable(outcome) });
        },
      })),
      { seed, maxDelayTurns: args.maxDelayTurns },
    );
    return recorded;
  },
);
