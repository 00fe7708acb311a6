/**
 * Named scenarios as scripts: a list of steps a candidate can read (reserve, wait until the hold's
 * expiry, confirm, read through instance B, ...), each run against the service and the model
 * exactly as a generated sequence's step is (runStep): every result compared in full, every seat
 * read through every instance after each step.
 */
import { advanceTo, createModel, type SeatCall, type SeatModel } from './model.ts';
import { deploy, type Deployment, type Impl, showArg } from './fixture.ts';
import { runStep, type World } from './sequences.ts';

export type ScriptStep =
  | { readonly kind: 'call'; readonly via: number; readonly call: (state: SeatModel) => SeatCall; readonly say: string }
  | { readonly kind: 'clock'; readonly to: (state: SeatModel) => number; readonly say: string }
  | { readonly kind: 'instance'; readonly position: number; readonly say: string };

const VIA = ['A', 'B', 'C', 'D'];

function at(via: number): string {
  return via === 0 ? '' : ` through ${VIA[via]}`;
}

/** Which of a user's holds on a seat a step names: the newest, or the one made before it. */
export type Which = 'newest' | 'previous';

/** A reservation of this user on this seat (the spec's way to name a hold). */
export function holdOf(state: SeatModel, seatId: string, userId: string, which: Which = 'newest'): string {
  const mine = [...state.reservations.values()].filter(
    (reservation) => reservation.seatId === seatId && reservation.userId === userId,
  );
  const named = mine.at(which === 'newest' ? -1 : -2);
  if (named === undefined)
    throw new Error(`the script names ${showArg(userId)}'s ${which} hold on ${showArg(seatId)}, which was never made`);
  return named.reservationId;
}

function holdName(seatId: string, userId: string, which: Which): string {
  return `${showArg(userId)}'s ${which === 'previous' ? 'previous ' : ''}hold on ${showArg(seatId)}`;
}

export const reserve = (seatId: string, userId: string, via = 0): ScriptStep => ({
  kind: 'call',
  via,
  call: () => ({ kind: 'reserveSeat', seatId, userId }),
  say: `${showArg(userId)} reserves ${showArg(seatId)}${at(via)}`,
});

export const confirm = (seatId: string, userId: string, via = 0, which: Which = 'newest'): ScriptStep => ({
  kind: 'call',
  via,
  call: (state) => ({ kind: 'confirm', reservationId: holdOf(state, seatId, userId, which) }),
  say: `confirm of ${holdName(seatId, userId, which)}${at(via)}`,
});

export const release = (seatId: string, userId: string, via = 0, which: Which = 'newest'): ScriptStep => ({
  kind: 'call',
  via,
  call: (state) => ({ kind: 'release', reservationId: holdOf(state, seatId, userId, which) }),
  say: `release of ${holdName(seatId, userId, which)}${at(via)}`,
});

export const getSeat = (seatId: string, via = 0): ScriptStep => ({
  kind: 'call',
  via,
  call: () => ({ kind: 'getSeat', seatId }),
  say: `getSeat(${showArg(seatId)})${at(via)}`,
});

export const addSeats = (seatIds: readonly string[], via = 0): ScriptStep => ({
  kind: 'call',
  via,
  call: () => ({ kind: 'addSeats', seatIds: [...seatIds] }),
  say: `addSeats([${seatIds.map(showArg).join(', ')}])${at(via)}`,
});

export const init = (via = 0): ScriptStep => ({
  kind: 'call',
  via,
  call: () => ({ kind: 'init' }),
  say: `init()${at(via)}`,
});

/** Any call, bad input included. */
export const call = (seatCall: SeatCall, say: string, via = 0): ScriptStep => ({
  kind: 'call',
  via,
  call: () => seatCall,
  say: `${say}${at(via)}`,
});

export const wait = (ms: number): ScriptStep => ({
  kind: 'clock',
  to: (state) => state.now + ms,
  say: `${ms} ms pass`,
});

/** The clock moves to the expiry of this user's hold on the seat, plus `offset` ms. */
export const untilExpiryOf = (seatId: string, userId: string, offset = 0): ScriptStep => ({
  kind: 'clock',
  to: (state) => state.reservations.get(holdOf(state, seatId, userId))!.expiresAt + offset,
  say: `the clock reaches ${offset === 0 ? '' : `${offset} ms ${offset < 0 ? 'before' : 'after'} `}the expiry of ${showArg(userId)}'s hold on ${showArg(seatId)}`,
});

/** Another app instance starts on the same database (its init() runs) at this position. */
export const startInstance = (position: number): ScriptStep => ({
  kind: 'instance',
  position,
  say: `instance ${VIA[position]} starts`,
});

export interface ScriptOptions {
  readonly holdMs: number;
  /** Default: 2026-01-01T00:00:00.000Z plus 123 ms, so that whole seconds are no shortcut. */
  readonly startMs?: number;
  readonly instances?: number;
  /** Added through instance A before the first step. */
  readonly seats: readonly string[];
}

export const SCRIPT_START_MS = Date.UTC(2026, 0, 1) + 123;

/** Runs the steps in order; a failure names the step and lists the ones before it. */
export async function runScript(impl: Impl, options: ScriptOptions, steps: readonly ScriptStep[]): Promise<void> {
  const startMs = options.startMs ?? SCRIPT_START_MS;
  const deployment: Deployment = await deploy(impl, {
    holdMs: options.holdMs,
    startMs,
    instances: options.instances ?? 1,
  });
  const world: World = { state: createModel(options.holdMs, startMs), seatIds: [...options.seats], userIds: [] };
  const done: string[] = [`holdMs ${options.holdMs}`, `addSeats([${options.seats.map(showArg).join(', ')}])`];
  try {
    if (options.seats.length > 0)
      await runStep(world, deployment, 0, { kind: 'addSeats', seatIds: [...options.seats] });
    for (const step of steps) {
      done.push(step.say);
      if (step.kind === 'call') await runStep(world, deployment, step.via, step.call(world.state));
      else if (step.kind === 'clock') {
        const target = step.to(world.state);
        deployment.clock.set(target);
        world.state = advanceTo(world.state, target);
      } else await deployment.startInstance(step.position);
    }
  } catch (error) {
    const steps = done.map((say, index) => `${index + 1}. ${say}`).join('; ');
    throw new Error(`${(error as Error).message}\nsteps: ${steps}`, { cause: error });
  } finally {
    await deployment.close();
  }
}
