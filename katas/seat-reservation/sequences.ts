/**
 * Model-based command sequences over the whole API: every call of the service through one of two
 * app instances, bad input, init() again, the clock moved to, just before and just past expiries;
 * optionally the database failing, or the instance dying, at any statement of a call. Each step
 * runs against the service and the model (model.ts); the outcome is compared in full, a call that
 * rejected must have left the database's rows as they were, and after every step every seat is
 * read through every instance and compared with the model.
 */
import fc from 'fast-check';
import { faultTargets } from '../../harness/kit/db/index.ts';
import { command, expectOutcome, type ModelSetup } from '../../harness/kit/model.ts';
import {
  callService,
  deploy,
  describeCall,
  dumpDifference,
  expectationOf,
  expectSeatsAsModel,
  reservationNamer,
  showArg,
  type Deployment,
  type Impl,
  type ServiceCall,
} from './fixture.ts';
import { advanceTo, createModel, currentClaim, isLiveHold, predict, type SeatCall, type SeatModel } from './model.ts';
import {
  clockStartArbitrary,
  holdMsArbitrary,
  HOLD_MS_NOT_NUMBERS,
  HOLD_MS_NOT_POSITIVE_INTEGERS,
  NOT_HANDLES,
  NOT_STRINGS,
  NOW_NOT_FUNCTIONS,
  seatIdsArbitrary,
  userIdsArbitrary,
} from './vocabulary.ts';

/** The model side of a sequence: the model's state and the run's vocabulary. */
export interface World {
  state: SeatModel;
  /** Seat ids this run speaks of; some are never added (SeatNotFoundError). */
  readonly seatIds: readonly string[];
  readonly userIds: readonly string[];
  /** The reservation the last step made or named, so that the next step can pick it up again. */
  recent?: string;
}

export interface SequenceSetup {
  readonly holdMs: number;
  readonly startMs: number;
  readonly seatIds: readonly string[];
  readonly userIds: readonly string[];
  /** How many of seatIds exist before the first step. */
  readonly initialSeats: number;
}

type Command = fc.Arbitrary<fc.AsyncCommand<World, Deployment>>;

/** An id the service cannot have issued. */
export const NEVER_ISSUED = 'rsv-never-issued-by-anyone';

/** Which reservation a step names: one issued so far, a live one, or one never issued. */
interface ReservationPick {
  readonly from: 'any' | 'live' | 'latest' | 'recent' | 'unknown';
  readonly n: number;
}

const via = fc.nat({ max: 1 });
const reservationPick: fc.Arbitrary<ReservationPick> = fc.record({
  from: fc.constantFrom<ReservationPick['from']>('any', 'live', 'live', 'latest', 'recent', 'recent', 'unknown'),
  n: fc.nat({ max: 50 }),
});

function pickReservation(world: World, pick: ReservationPick): string {
  const all = [...world.state.reservations.values()];
  const pool =
    pick.from === 'live'
      ? all.filter((reservation) => reservation.status === 'confirmed' || isLiveHold(world.state, reservation))
      : all;
  if (pick.from === 'unknown' || pool.length === 0) return NEVER_ISSUED;
  if (pick.from === 'recent' && world.recent !== undefined) return world.recent;
  // 'latest': one of the last three issued, so that a hold is often confirmed or released right after.
  if (pick.from === 'latest') return pool[Math.max(0, pool.length - 1 - (pick.n % 3))]!.reservationId;
  return pool[pick.n % pool.length]!.reservationId;
}

function describePick(pick: ReservationPick): string {
  if (pick.from === 'unknown') return 'an id never issued';
  if (pick.from === 'recent') return 'the reservation the last step made or named';
  if (pick.from === 'latest')
    return `the reservation issued ${['last', 'second to last', 'third to last'][pick.n % 3]}`;
  return pick.from === 'live' ? `live reservation ~${pick.n}` : `reservation ~${pick.n}`;
}

/** The parts of a step a sequence draws; resolved against the world when the step runs. */
type CallChoice =
  | { readonly kind: 'reserveSeat'; readonly seatId: string; readonly userId: string }
  | { readonly kind: 'retry'; readonly n: number }
  | { readonly kind: 'confirm' | 'release'; readonly pick: ReservationPick }
  | { readonly kind: 'getSeat'; readonly seatId: string }
  | { readonly kind: 'addSeats'; readonly seatIds: readonly string[] }
  | { readonly kind: 'init' };

function callChoices(setup: SequenceSetup): fc.Arbitrary<CallChoice> {
  const seat = fc.constantFrom(...setup.seatIds);
  const user = fc.constantFrom(...setup.userIds);
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('reserveSeat' as const), seatId: seat, userId: user }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('retry' as const), n: fc.nat({ max: 50 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('confirm' as const), pick: reservationPick }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: reservationPick }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('getSeat' as const), seatId: seat }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('addSeats' as const),
        seatIds: fc.uniqueArray(seat, { maxLength: 3 }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'init' as const }) },
  );
}

/** The call a choice stands for now, or undefined when it does not apply (no seat to retry). */
function resolveChoice(world: World, choice: CallChoice): SeatCall | undefined {
  switch (choice.kind) {
    case 'retry': {
      const claims = world.seatIds.flatMap((seatId) => {
        const claim = world.state.seats.has(seatId) ? currentClaim(world.state, seatId) : undefined;
        return claim === undefined ? [] : [claim];
      });
      if (claims.length === 0) return undefined;
      const claim = claims[choice.n % claims.length]!;
      return { kind: 'reserveSeat', seatId: claim.seatId, userId: claim.userId };
    }
    case 'confirm':
    case 'release':
      return { kind: choice.kind, reservationId: pickReservation(world, choice.pick) };
    case 'addSeats':
      return { kind: 'addSeats', seatIds: [...choice.seatIds] };
    default:
      return choice;
  }
}

function describeChoice(choice: CallChoice): string {
  switch (choice.kind) {
    case 'retry':
      return `reserveSeat of a claimed seat ~${choice.n} by its holder`;
    case 'confirm':
    case 'release':
      return `${choice.kind}(${describePick(choice.pick)})`;
    default:
      return describeCall(choice as SeatCall);
  }
}

/**
 * Bad input the README lists: a step draws the parameter (and for seatIds the flaw) and tries every
 * bad value the README names for it; `n` picks the valid arguments from the vocabulary.
 */
type BadChoice =
  | {
      readonly target: 'reserveSeat.seatId' | 'reserveSeat.userId' | 'getSeat' | 'confirm' | 'release';
      readonly n: number;
    }
  | {
      readonly target: 'seatIds';
      readonly flaw: 'not-an-array' | 'not-a-string' | 'empty' | 'repeated';
      readonly n: number;
    }
  | { readonly target: 'db' | 'holdMs' | 'now' };

/** One bad value, with the choice that names where it goes. */
type BadCall = BadChoice & { readonly value: unknown };

const badChoices: fc.Arbitrary<BadChoice> = fc.oneof(
  fc.record({
    target: fc.constantFrom(
      'reserveSeat.seatId',
      'reserveSeat.userId',
      'getSeat',
      'confirm',
      'release',
    ) as fc.Arbitrary<'reserveSeat.seatId' | 'reserveSeat.userId' | 'getSeat' | 'confirm' | 'release'>,
    n: fc.nat({ max: 20 }),
  }),
  fc.record({
    target: fc.constant('seatIds' as const),
    flaw: fc.constantFrom('not-an-array', 'not-a-string', 'empty', 'repeated') as fc.Arbitrary<
      'not-an-array' | 'not-a-string' | 'empty' | 'repeated'
    >,
    n: fc.nat({ max: 20 }),
  }),
  fc.record({ target: fc.constantFrom('db', 'holdMs', 'now') as fc.Arbitrary<'db' | 'holdMs' | 'now'> }),
);

/** Every bad value the README lists for the choice's parameter. */
function badValues(choice: BadChoice): readonly unknown[] {
  switch (choice.target) {
    case 'db':
      return NOT_HANDLES;
    case 'holdMs':
      return [...HOLD_MS_NOT_NUMBERS, ...HOLD_MS_NOT_POSITIVE_INTEGERS];
    case 'now':
      return NOW_NOT_FUNCTIONS;
    case 'seatIds':
      if (choice.flaw === 'not-an-array') return ['A2', undefined, null, {}, 42, true];
      if (choice.flaw === 'not-a-string') return NOT_STRINGS.filter((value) => !Array.isArray(value));
      return [undefined];
    default:
      return [...NOT_STRINGS, ''];
  }
}

function resolveBad(world: World, deployment: Deployment, position: number, bad: BadCall): ServiceCall {
  const db = deployment.instances[position]!.testDb.db;
  switch (bad.target) {
    case 'db':
      return {
        kind: 'create',
        dbIsHandle: false,
        db: bad.value,
        options: { holdMs: deployment.holdMs, now: deployment.clock.now },
      };
    case 'holdMs':
      return { kind: 'create', dbIsHandle: true, db, options: { holdMs: bad.value, now: deployment.clock.now } };
    case 'now':
      return { kind: 'create', dbIsHandle: true, db, options: { holdMs: deployment.holdMs, now: bad.value } };
  }
  const seatId = world.seatIds[bad.n % world.seatIds.length]!;
  const userId = world.userIds[bad.n % world.userIds.length]!;
  switch (bad.target) {
    case 'reserveSeat.seatId':
      return { kind: 'reserveSeat', seatId: bad.value, userId };
    case 'reserveSeat.userId':
      return { kind: 'reserveSeat', seatId, userId: bad.value };
    case 'getSeat':
      return { kind: 'getSeat', seatId: bad.value };
    case 'confirm':
    case 'release':
      return { kind: bad.target, reservationId: bad.value };
    case 'seatIds': {
      const other = world.seatIds[(bad.n + 1) % world.seatIds.length]!;
      const fresh = [seatId, ...(other === seatId ? [] : [other])];
      switch (bad.flaw) {
        case 'not-an-array':
          return { kind: 'addSeats', seatIds: bad.value };
        case 'not-a-string':
          return { kind: 'addSeats', seatIds: [...fresh, bad.value] };
        case 'empty':
          return { kind: 'addSeats', seatIds: [...fresh, ''] };
        case 'repeated':
          return { kind: 'addSeats', seatIds: [...fresh, seatId] };
      }
    }
  }
}

function describeBad(bad: BadChoice): string {
  if (bad.target === 'seatIds') return `addSeats with seatIds ${bad.flaw}`;
  if (bad.target === 'db' || bad.target === 'holdMs' || bad.target === 'now')
    return `createSeatService's ${bad.target}`;
  return bad.target;
}

/** How the clock moves: to, 1 ms before or 1 ms past a live hold's expiry, or by an amount. */
interface ClockMove {
  readonly how: 'to-expiry' | 'before-expiry' | 'past-expiry' | 'by-hold' | 'by-ms' | 'by-eighths';
  readonly n: number;
}

const clockMoves: fc.Arbitrary<ClockMove> = fc.record({
  how: fc.constantFrom<ClockMove['how']>(
    'to-expiry',
    'to-expiry',
    'before-expiry',
    'past-expiry',
    'by-hold',
    'by-ms',
    'by-eighths',
  ),
  n: fc.integer({ min: 1, max: 1_000 }),
});

function clockTarget(world: World, move: ClockMove): number | undefined {
  const { now, holdMs } = world.state;
  if (move.how === 'by-hold') return now + holdMs;
  if (move.how === 'by-ms') return now + move.n;
  if (move.how === 'by-eighths') return now + Math.floor((holdMs * (move.n % 24)) / 8);
  // Live holds in the order they were made; half the time the newest one, so that the step right
  // after a hold is often its expiry.
  const live = [...world.state.reservations.values()].filter((reservation) => isLiveHold(world.state, reservation));
  if (live.length === 0) return undefined;
  const expiry = (move.n % 2 === 0 ? live.at(-1)! : live[move.n % live.length]!).expiresAt;
  return move.how === 'to-expiry' ? expiry : move.how === 'before-expiry' ? expiry - 1 : expiry + 1;
}

/**
 * Runs one call through an instance against the model, compares the outcome in full, advances the
 * model, and reads every seat through every instance. A call that rejected, and one the README says
 * changes nothing (init(), addSeats([]), a release that resolves false), must leave every row as it
 * was.
 */
export async function runStep(
  world: World,
  deployment: Deployment,
  position: number,
  call: ServiceCall,
): Promise<void> {
  const instance = deployment.instances[position]!;
  const named = describeCall(
    call,
    reservationNamer(() => world.state),
  );
  const what = `${named} through instance ${instance.label}`;
  const expected = expectationOf(world.state, call);
  const before = await instance.testDb.dump();
  const outcome = await callService(deployment.impl, instance.service, call);
  expectOutcome(outcome, expected, what, deployment.impl);
  if (call.kind !== 'create' && outcome.ok) world.state = predict(world.state, call).after(outcome.value);
  remember(world, call, outcome.ok ? outcome.value : undefined);
  if (!outcome.ok) expectUnchanged(before, await instance.testDb.dump(), `${what} rejected, as it should, but`);
  else if (changesNothing(call, outcome.value)) {
    expectUnchanged(before, await instance.testDb.dump(), `${what} resolved ${showArg(outcome.value)}, and`);
  }
  await expectSeatsAsModel(deployment, world.state, world.seatIds, what);
}

/** Notes the reservation a call made or named, for a 'recent' pick. */
function remember(world: World, call: ServiceCall, value: unknown): void {
  if (
    (call.kind === 'confirm' || call.kind === 'release') &&
    world.state.reservations.has(call.reservationId as string)
  ) {
    world.recent = call.reservationId as string;
  }
  const made = (value as { reservationId?: unknown } | undefined)?.reservationId;
  if (call.kind === 'reserveSeat' && typeof made === 'string' && world.state.reservations.has(made))
    world.recent = made;
}

/** Calls the README says change nothing when they resolve. */
function changesNothing(call: ServiceCall, value: unknown): boolean {
  if (call.kind === 'init') return true;
  if (call.kind === 'addSeats') return Array.isArray(call.seatIds) && call.seatIds.length === 0;
  return call.kind === 'release' && value === false;
}

export function expectUnchanged(
  before: Parameters<typeof dumpDifference>[0],
  after: Parameters<typeof dumpDifference>[1],
  what: string,
): void {
  const difference = dumpDifference(before, after);
  if (difference !== '') throw new Error(`${what} changed the database: ${difference}`);
}

interface FaultedStep {
  readonly via: number;
  readonly choice: CallChoice;
}

/** More statements than any call of a sane implementation runs. */
const MOST_STATEMENTS = 40;

/**
 * Runs a call with a disk error at its first statement, then again with the error at its second,
 * and so on (BEGIN and COMMIT count, so the failure lands between every two statements), until the
 * call runs to its end without meeting the fault. Each attempt that rejected must have changed
 * nothing in the database; the last attempt must do what the model says. Crashes are not drawn
 * here: instances in one thread share the module, so a dead instance's JavaScript state (a
 * module-level lock it held) would outlive it and block the others, which no real crash does;
 * instance-dies-mid-call kills worker threads instead.
 */
async function faultedStep(world: World, deployment: Deployment, faulted: FaultedStep): Promise<void> {
  const position = faulted.via % deployment.instances.length;
  const instance = deployment.instances[position]!;
  const call = resolveChoice(world, faulted.choice);
  if (call === undefined) return;
  const named = `${describeCall(
    call,
    reservationNamer(() => world.state),
  )} through instance ${instance.label}`;
  const prediction = predict(world.state, call);
  for (let skip = 0; skip < MOST_STATEMENTS; skip++) {
    const what = `${named}, with a disk error at its statement #${skip + 1}`;
    const before = await instance.testDb.dump();
    const fault = instance.testDb.injectFault({ when: faultTargets.everything, skip, times: 1 });
    const outcome = await callService(deployment.impl, instance.service, call);
    fault.remove();
    if (fault.fired > 0 && !outcome.ok) {
      expectUnchanged(before, await instance.testDb.dump(), `${what} rejected, and`);
      continue;
    }
    // The fault came after the call's last statement (or the call retried past it).
    expectOutcome(
      outcome,
      prediction.expected,
      `${named} (a disk error at statement #${skip + 1} or later)`,
      deployment.impl,
    );
    if (outcome.ok) world.state = prediction.after(outcome.value);
    else expectUnchanged(before, await instance.testDb.dump(), `${what} rejected, as it should, but`);
    remember(world, call, outcome.ok ? outcome.value : undefined);
    await expectSeatsAsModel(deployment, world.state, world.seatIds, what);
    return;
  }
  throw new Error(`${named} still ran statements after ${MOST_STATEMENTS} injected disk errors`);
}

/** The commands of a sequence. With faults, about a third of the calls are made under faults. */
export function sequenceCommands(setup: SequenceSetup, options: { readonly faults: boolean }): Command[] {
  const choices = callChoices(setup);
  const call: Command = command<World, Deployment, { via: number; choice: CallChoice }>({
    args: fc.record({ via, choice: choices }),
    describe: ({ via: position, choice }) => `${describeChoice(choice)} via ${position === 0 ? 'A' : 'B'}`,
    check: (world, { choice }) => resolveChoice(world, choice) !== undefined,
    run: (world, deployment, { via: position, choice }) =>
      runStep(world, deployment, position, resolveChoice(world, choice)!),
  });
  const bad: Command = command<World, Deployment, { via: number; bad: BadChoice }>({
    args: fc.record({ via, bad: badChoices }),
    describe: ({ via: position, bad: choice }) =>
      `every bad ${describeBad(choice)} the README lists, via ${position === 0 ? 'A' : 'B'}`,
    run: async (world, deployment, { via: position, bad: choice }) => {
      for (const value of badValues(choice)) {
        await runStep(world, deployment, position, resolveBad(world, deployment, position, { ...choice, value }));
      }
    },
  });
  const clock: Command = command<World, Deployment, ClockMove>({
    args: clockMoves,
    describe: (move) => `clock ${move.how}${move.how === 'by-ms' || move.how === 'by-eighths' ? ` ${move.n}` : ''}`,
    check: (world, move) => clockTarget(world, move) !== undefined,
    run: async (world, deployment, move) => {
      const target = clockTarget(world, move)!;
      deployment.clock.set(target);
      world.state = advanceTo(world.state, target);
      await expectSeatsAsModel(deployment, world.state, world.seatIds, `the clock moved to ${target} (${move.how})`);
    },
  });
  const commands = [call, call, call, call, call, call, clock, clock, bad];
  if (!options.faults) return commands;
  const faulted: Command = command<World, Deployment, FaultedStep>({
    args: fc.record({ via, choice: choices }),
    describe: ({ via: position, choice }) =>
      `${describeChoice(choice)} via ${position === 0 ? 'A' : 'B'}, failing at each of its statements in turn`,
    run: (world, deployment, faulted) => faultedStep(world, deployment, faulted),
  });
  return [...commands, faulted, faulted, faulted, faulted];
}

export const sequenceSetups: fc.Arbitrary<SequenceSetup> = fc
  .record({
    holdMs: holdMsArbitrary,
    startMs: clockStartArbitrary,
    seatIds: seatIdsArbitrary(2, 4),
    userIds: userIdsArbitrary(2, 3),
  })
  .chain((setup) =>
    fc.record({
      holdMs: fc.constant(setup.holdMs),
      startMs: fc.constant(setup.startMs),
      seatIds: fc.constant(setup.seatIds),
      userIds: fc.constant(setup.userIds),
      initialSeats: fc.integer({ min: 1, max: setup.seatIds.length }),
    }),
  );

export function describeSetup(setup: SequenceSetup): string {
  const seats = setup.seatIds.map((id, index) => `${showArg(id)}${index < setup.initialSeats ? '' : ' (not added)'}`);
  return `holdMs ${setup.holdMs}, the clock at ${setup.startMs} (${new Date(setup.startMs).toISOString()}), seats [${seats.join(', ')}], users [${setup.userIds.map(showArg).join(', ')}], instances A and B`;
}

/** Two instances on a fresh file, the first seats added through A and checked against the model. */
export function sequenceStart(impl: Impl, setup: SequenceSetup): () => Promise<ModelSetup<World, Deployment>> {
  return async () => {
    const deployment = await deploy(impl, { holdMs: setup.holdMs, startMs: setup.startMs, instances: 2 });
    const world: World = {
      state: createModel(setup.holdMs, setup.startMs),
      seatIds: setup.seatIds,
      userIds: setup.userIds,
    };
    try {
      await runStep(world, deployment, 0, { kind: 'addSeats', seatIds: setup.seatIds.slice(0, setup.initialSeats) });
    } catch (error) {
      await deployment.close();
      throw new Error(`setting up (${describeSetup(setup)}): ${(error as Error).message}`, { cause: error });
    }
    return { model: world, real: deployment, description: describeSetup(setup), teardown: () => deployment.close() };
  };
}
