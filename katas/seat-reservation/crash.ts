/**
 * An app instance that dies in the middle of a call: a worker thread makes the crash sweep's calls
 * (reserve a free seat, take over an expired hold, confirm a hold, release another, add three seats) and is
 * terminated at one of its statements; this thread, another instance, judges what it left behind.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { USER_STATEMENT_KINDS } from '../../harness/kit/db/index.ts';
import { runWorkersWithCrash } from '../../harness/kit/workers/index.ts';
import { CALL_REJECTED, CALL_RESOLVED, CALL_STARTED, type CrashInstanceArgs } from './crash-instance.ts';
import {
  callService,
  deploy,
  describeCall,
  readSeats,
  reservationNamer,
  seatsDifference,
  type Deployment,
  type Impl,
} from './fixture.ts';
import { createModel, predict, type SeatCall, type SeatModel } from './model.ts';
import { runStep, type World } from './sequences.ts';

const HOLD_MS = 10 * 60_000;
const crashInstanceFile = fileURLToPath(new URL('./crash-instance.ts', import.meta.url));

/** The seats of the crash sweep: free, an expired hold, two live holds. */
const CRASH_SEATS = ['X1', 'E1', 'Y1', 'Z1'];
/** The seats the dying instance adds, in one call: all of them or none. */
const NEW_SEATS = ['W1', 'W2', 'W3'];

/**
 * A fresh database with X1 free, E1's hold (user-e) expired at this very moment and live holds on
 * Y1 (user-y) and Z1 (user-z), made through one instance and checked against the model; and the
 * calls the dying instance will make: reserve X1, take E1 over, confirm Y1's hold, release Z1's,
 * add W1, W2 and W3.
 */
async function crashSetup(impl: Impl): Promise<{ deployment: Deployment; world: World; calls: SeatCall[] }> {
  const deployment = await deploy(impl, { holdMs: HOLD_MS, startMs: Date.UTC(2026, 5, 1, 12, 0, 0, 7), instances: 1 });
  try {
    const world: World = { state: createModel(HOLD_MS, deployment.clock.now()), seatIds: CRASH_SEATS, userIds: [] };
    const step = (call: SeatCall): Promise<void> => runStep(world, deployment, 0, call);
    await step({ kind: 'addSeats', seatIds: CRASH_SEATS });
    await step({ kind: 'reserveSeat', seatId: 'E1', userId: 'user-e' });
    deployment.clock.set(world.state.now + HOLD_MS);
    world.state = { ...world.state, now: deployment.clock.now() };
    await step({ kind: 'reserveSeat', seatId: 'Y1', userId: 'user-y' });
    await step({ kind: 'reserveSeat', seatId: 'Z1', userId: 'user-z' });
    const [, yHold, zHold] = [...world.state.reservations.keys()] as [string, string, string];
    const calls: SeatCall[] = [
      { kind: 'reserveSeat', seatId: 'X1', userId: 'user-x' },
      { kind: 'reserveSeat', seatId: 'E1', userId: 'user-t' },
      { kind: 'confirm', reservationId: yHold },
      { kind: 'release', reservationId: zHold },
      { kind: 'addSeats', seatIds: NEW_SEATS },
    ];
    return { deployment, world, calls };
  } catch (error) {
    await deployment.close();
    throw error;
  }
}

/**
 * The statements the crash sweep's calls run, learnt by making them once in this thread. What a
 * dead instance leaves behind changes only at a COMMIT or at a write outside any transaction (a
 * read changes nothing, and a write inside a transaction is rolled back when the instance dies
 * before its COMMIT), so those are the points worth dying just after. Numbered as the workers kit
 * counts: BEGIN and COMMIT included, rollbacks not.
 */
export async function crashPoints(impl: Impl): Promise<{ points: number[]; statements: number }> {
  const { deployment, calls } = await crashSetup(impl);
  try {
    const instance = deployment.instances[0]!;
    const recorder = instance.testDb.record();
    for (const call of calls) await callService(impl, instance.service, call);
    recorder.stop();
    const counted = recorder.statements.filter((statement) => statement.kind !== 'rollback');
    const points = counted.flatMap((statement, index) =>
      statement.kind === 'commit' ||
      (USER_STATEMENT_KINDS.has(statement.kind) && !statement.readonly && statement.transaction === undefined)
        ? [index + 1]
        : [],
    );
    return { points, statements: counted.length };
  } finally {
    await deployment.close();
  }
}

/**
 * One app instance (a worker thread) makes the crash sweep's calls one after the other and is
 * terminated at its statement #`statement` (before or after it runs). The survivor (this thread,
 * another instance) must see the state after every call that had answered, with the call that was
 * cut short done entirely or not at all (never half of it, and never an answered call undone), and
 * must carry on from it: every hold and sale it sees is whole (the holder's retry returns it,
 * confirm and release work on it). An instance that gets to the end without meeting the crash
 * point is judged the same way: every call done.
 */
export async function dieAt(
  impl: Impl,
  targetFile: string,
  statement: number,
  timing: 'before' | 'after',
): Promise<void> {
  const { deployment, world, calls } = await crashSetup(impl);
  try {
    const progress = new SharedArrayBuffer(4 * calls.length);
    const run = await runWorkersWithCrash<number, CrashInstanceArgs>({
      scenarioFile: crashInstanceFile,
      targetFile,
      databaseFile: deployment.file,
      workers: 1,
      args: { holdMs: HOLD_MS, nowMs: world.state.now, calls, progress },
      crash: { worker: 0, statement, timing },
    });
    const survivor = deployment.instances[0]!;
    const named = calls.map((call) =>
      describeCall(
        call,
        reservationNamer(() => world.state),
      ),
    );
    const died =
      run.crashed === undefined
        ? `the instance made ${named.join(', ')} in turn (no crash: it ran fewer than ${statement} statements)`
        : `the instance died ${timing} its statement #${statement} while making ${named.join(', ')} in turn`;
    const cells = Array.from(new Int32Array(progress));
    // The calls that answered come first; the next one may have been cut short.
    const answered = cells.findIndex((cell) => cell !== CALL_RESOLVED && cell !== CALL_REJECTED);
    const done = answered === -1 ? calls.length : answered;
    const rejected = cells.findIndex((cell) => cell === CALL_REJECTED);
    if (rejected !== -1) {
      expect.fail(`${died}; before that, ${named[rejected]} rejected, though the model says it succeeds`);
    }
    const interrupted = done < calls.length && cells[done] === CALL_STARTED ? done : undefined;
    // The states the database may be in: after the calls that answered, then after the one cut
    // short too. A new hold's id is whatever the seat now shows.
    const states: SeatModel[] = [world.state];
    for (const call of calls.slice(0, interrupted === undefined ? done : done + 1)) {
      const last = states.at(-1)!;
      const prediction = predict(last, call);
      if (call.kind === 'reserveSeat') {
        const seen = await callService(impl, survivor.service, { kind: 'getSeat', seatId: call.seatId });
        const id = seen.ok ? (seen.value as { reservationId?: unknown }).reservationId : undefined;
        const fresh = typeof id === 'string' && !last.reservations.has(id);
        states.push(fresh ? prediction.after({ reservationId: id }) : last);
      } else states.push(prediction.after(true));
    }
    const allowed = interrupted === undefined ? [done] : [done, done + 1];
    const seen = await readSeats((call) => callService(impl, survivor.service, call), [...CRASH_SEATS, ...NEW_SEATS]);
    const matches = allowed.map((index) => ({ index, difference: seatsDifference(impl, seen, states[index]!) }));
    const match = matches.find((candidate) => candidate.difference === undefined);
    if (match === undefined) {
      const explained = matches.map(({ index, difference }) => `${describeState(named, index)}, ${difference}`);
      expect.fail(
        `${died}, after ${done} of them had answered${
          interrupted === undefined ? '' : ` and while ${named[interrupted]} was in progress`
        }; another instance sees a state neither before nor after it: ${explained.join('; ')}`,
      );
    }
    world.state = states[match.index]!;
    const probes: SeatCall[] = [
      ...[...world.state.reservations.values()].map((reservation): SeatCall => ({
        kind: 'reserveSeat',
        seatId: reservation.seatId,
        userId: reservation.userId,
      })),
      ...[...world.state.reservations.keys()].map((reservationId): SeatCall => ({ kind: 'confirm', reservationId })),
      ...[...world.state.reservations.keys()].map((reservationId): SeatCall => ({ kind: 'release', reservationId })),
    ];
    for (const probe of probes) {
      try {
        await runStep(world, deployment, 0, probe);
      } catch (error) {
        throw new Error(`${died} (${describeState(named, match.index)}); then ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  } finally {
    await deployment.close();
  }
}

/** "with none of the calls done", "with reserveSeat(...) done", "with the first 3 calls done". */
function describeState(named: readonly string[], index: number): string {
  if (index === 0) return 'with none of the calls done';
  if (index === 1) return `with ${named[0]} done`;
  return `with the first ${index} calls done (up to ${named[index - 1]})`;
}
