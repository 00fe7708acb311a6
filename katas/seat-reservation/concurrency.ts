/**
 * Concurrent batches for the linearizability checks: two seats set up in some state (free, held,
 * expired at this very millisecond, released, sold), two seats not yet added, then a handful of
 * calls of any kinds on them started at once (reserve against reserve, against release, release
 * against confirm, two takeovers of an expired hold, two addSeats naming the same seat, getSeat
 * during all of it). The recorded history must be linearizable against the model: some order of
 * the calls, in keeping with when each started and returned, that the model accepts.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { createTestDatabase, openTestDatabase } from '../../harness/kit/db/index.ts';
import { outcomeDifference, type ErrorClasses } from '../../harness/kit/expected.ts';
import { createHistory, type History, type Operation } from '../../harness/kit/history.ts';
import { checkLinearizable, type SequentialModel } from '../../harness/kit/linearizability.ts';
import { describeOutcome, settle } from '../../harness/kit/outcome.ts';
import { describeCall, invokeService, showArg, type Impl } from './calls.ts';
import { deploy, type Deployment } from './fixture.ts';
import { createModel, predict, stateKey, type SeatCall, type SeatModel } from './model.ts';
import { NEVER_ISSUED, runStep, type World } from './sequences.ts';
import { clockStartArbitrary, holdMsArbitrary, seatIdsArbitrary, userIdsArbitrary } from './vocabulary.ts';

export type SeatSetupKind = 'free' | 'held' | 'expired' | 'released' | 'sold';

export interface BatchCall {
  readonly via: number;
  readonly kind: 'reserveSeat' | 'confirm' | 'release' | 'getSeat' | 'init' | 'addSeats';
  /** 0 and 1: the seats set up; 2 and 3: seats not added yet. */
  readonly seat: number;
  /** 0 and 1 own seats 0 and 1; 2 owns nothing. */
  readonly user: number;
  /** 0 and 1: the hold made on seat 0 or 1 during setup; 2: an id never issued. */
  readonly reservation: number;
  /** For addSeats: which seats, in this order. */
  readonly seats: readonly number[];
}

export interface BatchCase {
  readonly holdMs: number;
  readonly startMs: number;
  readonly seed: number;
  readonly seatIds: readonly string[];
  readonly userIds: readonly string[];
  readonly setups: readonly [SeatSetupKind, SeatSetupKind];
  /** Whether the batch runs holdMs - 1 after setup (live holds 1 ms from expiry) instead of at once. */
  readonly late: boolean;
  readonly calls: readonly BatchCall[];
}

const setupKind = fc.constantFrom<SeatSetupKind>('free', 'held', 'held', 'expired', 'expired', 'released', 'sold');

/** Most calls go to seat 0 (and its hold), so that they race; the rest spread out. */
const batchCall: fc.Arbitrary<BatchCall> = fc.record({
  via: fc.nat({ max: 1 }),
  kind: fc.constantFrom<BatchCall['kind']>(
    'reserveSeat',
    'reserveSeat',
    'reserveSeat',
    'confirm',
    'confirm',
    'release',
    'release',
    'getSeat',
    'addSeats',
    'init',
  ),
  seat: fc.constantFrom(0, 0, 0, 0, 1, 2, 3),
  user: fc.nat({ max: 2 }),
  reservation: fc.constantFrom(0, 0, 0, 1, 2),
  seats: fc.oneof(
    { weight: 4, arbitrary: fc.shuffledSubarray([2, 3], { minLength: 1 }) },
    { weight: 1, arbitrary: fc.shuffledSubarray([0, 2, 3], { minLength: 2 }) },
  ),
});

export function batchCases(options: { readonly minCalls: number; readonly maxCalls: number }): fc.Arbitrary<BatchCase> {
  return fc.record({
    holdMs: holdMsArbitrary,
    startMs: clockStartArbitrary,
    seed: fc.integer(),
    seatIds: seatIdsArbitrary(4, 4),
    userIds: userIdsArbitrary(3, 3),
    setups: fc.tuple(setupKind, setupKind),
    late: fc.boolean(),
    calls: fc.array(batchCall, { minLength: options.minCalls, maxLength: options.maxCalls }),
  });
}

export function describeBatchCase(batch: BatchCase): string {
  const seats = batch.seatIds.map(
    (id, index) =>
      `${showArg(id)} ${index < 2 ? `${batch.setups[index]} (${showArg(batch.userIds[index])})` : '(not added)'}`,
  );
  return `holdMs ${batch.holdMs}, the clock at ${batch.startMs}${batch.late ? ' then holdMs - 1 later' : ''}, seats ${seats.join(', ')}`;
}

/**
 * Puts seats 0 and 1 in their states through instance A, each call checked against the model: holds
 * that must be expired are made first, then the clock moves on by holdMs (so they expire at this
 * very millisecond), then the live holds, releases and sales. Returns the holds made, by seat.
 */
export async function setUpSeats(
  deployment: Deployment,
  world: World,
  batch: BatchCase,
): Promise<(string | undefined)[]> {
  const [first, second] = batch.seatIds as [string, string];
  await runStep(world, deployment, 0, { kind: 'addSeats', seatIds: [first, second] });
  const holds: (string | undefined)[] = [undefined, undefined];
  const reserve = async (index: number): Promise<void> => {
    const seatId = batch.seatIds[index]!;
    await runStep(world, deployment, 0, { kind: 'reserveSeat', seatId, userId: batch.userIds[index]! });
    holds[index] = [...world.state.reservations.values()].at(-1)!.reservationId;
  };
  for (const index of [0, 1]) if (batch.setups[index] === 'expired') await reserve(index);
  moveClock(deployment, world, world.state.now + batch.holdMs);
  for (const index of [0, 1]) {
    const kind = batch.setups[index];
    if (kind === 'free' || kind === 'expired') continue;
    await reserve(index);
    if (kind === 'released') await runStep(world, deployment, 0, { kind: 'release', reservationId: holds[index]! });
    if (kind === 'sold') await runStep(world, deployment, 0, { kind: 'confirm', reservationId: holds[index]! });
  }
  if (batch.late) moveClock(deployment, world, world.state.now + batch.holdMs - 1);
  return holds;
}

function moveClock(deployment: Deployment, world: World, to: number): void {
  deployment.clock.set(to);
  world.state = { ...world.state, now: to };
}

/** The batch's calls as calls of the service. */
export function batchCalls(batch: BatchCase, holds: readonly (string | undefined)[]): SeatCall[] {
  return batch.calls.map((call) => {
    switch (call.kind) {
      case 'reserveSeat':
        return { kind: 'reserveSeat', seatId: batch.seatIds[call.seat]!, userId: batch.userIds[call.user]! };
      case 'confirm':
      case 'release':
        return { kind: call.kind, reservationId: holds[call.reservation] ?? NEVER_ISSUED };
      case 'getSeat':
        return { kind: 'getSeat', seatId: batch.seatIds[call.seat]! };
      case 'addSeats':
        return { kind: 'addSeats', seatIds: call.seats.map((index) => batch.seatIds[index]!) };
      case 'init':
        return { kind: 'init' };
    }
  });
}

/**
 * Calls that cannot affect each other are checked apart: seats linked by an addSeats naming them
 * together form one part; confirm and release belong to their reservation's seat.
 */
export function partitioner(state: SeatModel, calls: readonly SeatCall[]): (call: SeatCall) => string {
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    const up = parent.get(key) ?? key;
    if (up === key) return key;
    const root = find(up);
    parent.set(key, root);
    return root;
  };
  const seatsOf = (call: SeatCall): string[] => {
    switch (call.kind) {
      case 'reserveSeat':
      case 'getSeat':
        return [`seat ${showArg(call.seatId)}`];
      case 'addSeats':
        return (call.seatIds as string[]).map((id) => `seat ${showArg(id)}`);
      case 'confirm':
      case 'release': {
        const reservation = state.reservations.get(call.reservationId as string);
        return [
          reservation === undefined
            ? `reservation ${showArg(call.reservationId)}`
            : `seat ${showArg(reservation.seatId)}`,
        ];
      }
      case 'init':
        return ['init()'];
    }
  };
  for (const call of calls) {
    const [head, ...rest] = seatsOf(call);
    for (const other of rest) parent.set(find(other), find(head!));
  }
  return (call) => find(seatsOf(call)[0]!);
}

/** The model as the linearizability checker wants it: a step accepts an outcome or refuses it. */
export function linearizabilityModel(
  pre: SeatModel,
  classes: ErrorClasses,
  calls: readonly SeatCall[],
): SequentialModel<SeatModel, SeatCall, unknown> {
  return {
    init: () => pre,
    step: (state, call, outcome) => {
      const prediction = predict(state, call);
      if (outcomeDifference(outcome, prediction.expected, classes) !== undefined) return undefined;
      return outcome.ok ? prediction.after(outcome.value) : state;
    },
    key: stateKey,
    describeInput: (call) => describeCall(call),
    partition: partitioner(pre, calls),
  };
}

/** Two seats, or two moments, never share a reservation id, whichever instance issued it. */
export function expectDistinctReservationIds(operations: readonly Operation<SeatCall, unknown>[]): void {
  const owners = new Map<string, string>();
  for (const operation of operations) {
    if (operation.outcome?.ok !== true) continue;
    if (operation.input.kind !== 'reserveSeat' && operation.input.kind !== 'confirm') continue;
    const value = operation.outcome.value as { reservationId?: unknown; seatId?: unknown; timestamp?: unknown } | null;
    if (typeof value?.reservationId !== 'string') continue;
    const owner = `${showArg(value.seatId)} at ${value.timestamp instanceof Date ? value.timestamp.getTime() : showArg(value.timestamp)}`;
    const known = owners.get(value.reservationId);
    if (known !== undefined && known !== owner) {
      throw new Error(
        `reservation id ${showArg(value.reservationId)} was issued twice: for the hold on ${known} and for the hold on ${owner} (${operation.process})`,
      );
    }
    owners.set(value.reservationId, owner);
  }
}

/**
 * The races that matter most, each started at the same moment on seat 0 (or on a new seat): every
 * pair of operations on one seat or one hold, with a read beside them.
 */
export interface RaceTemplate {
  readonly name: string;
  /** Seat 0's state before the race; seat 1 stays free. */
  readonly setup: SeatSetupKind;
  /** The racing calls, given the seats, the users and seat 0's hold. */
  readonly calls: (seats: readonly string[], users: readonly string[], hold: string) => SeatCall[];
}

const reserveOf = (seatId: string, userId: string): SeatCall => ({ kind: 'reserveSeat', seatId, userId });
const confirmOf = (reservationId: string): SeatCall => ({ kind: 'confirm', reservationId });
const releaseOf = (reservationId: string): SeatCall => ({ kind: 'release', reservationId });
const readOf = (seatId: string): SeatCall => ({ kind: 'getSeat', seatId });

export const RACES: readonly RaceTemplate[] = [
  {
    name: 'a double-click: the same user twice on a free seat',
    setup: 'free',
    calls: ([s], [, a]) => [reserveOf(s!, a!), reserveOf(s!, a!), readOf(s!)],
  },
  {
    name: 'two reserves of a free seat',
    setup: 'free',
    calls: ([s], [, a, b]) => [reserveOf(s!, a!), reserveOf(s!, b!), readOf(s!)],
  },
  {
    name: 'two takeovers of an expired hold',
    setup: 'expired',
    calls: ([s], [, a, b]) => [reserveOf(s!, a!), reserveOf(s!, b!), readOf(s!)],
  },
  {
    name: 'a reserve against a release',
    setup: 'held',
    calls: ([s], [, a], hold) => [releaseOf(hold), reserveOf(s!, a!), readOf(s!)],
  },
  {
    name: 'a release against a confirm',
    setup: 'held',
    calls: ([s], _, hold) => [releaseOf(hold), confirmOf(hold), readOf(s!)],
  },
  { name: 'two confirms', setup: 'held', calls: ([s], _, hold) => [confirmOf(hold), confirmOf(hold), readOf(s!)] },
  { name: 'two releases', setup: 'held', calls: ([s], _, hold) => [releaseOf(hold), releaseOf(hold), readOf(s!)] },
  {
    name: "the holder's retry against a confirm",
    setup: 'held',
    calls: ([s], [o], hold) => [reserveOf(s!, o!), confirmOf(hold), readOf(s!)],
  },
  {
    name: "the holder's retry against a release",
    setup: 'held',
    calls: ([s], [o], hold) => [reserveOf(s!, o!), releaseOf(hold), readOf(s!)],
  },
  {
    name: 'a takeover against a late confirm',
    setup: 'expired',
    calls: ([s], [, a], hold) => [reserveOf(s!, a!), confirmOf(hold), readOf(s!)],
  },
  {
    name: 'a takeover against a late release',
    setup: 'expired',
    calls: ([s], [, a], hold) => [reserveOf(s!, a!), releaseOf(hold), readOf(s!)],
  },
  {
    name: 'a reserve against a release of a sale',
    setup: 'sold',
    calls: ([s], [, a], hold) => [releaseOf(hold), reserveOf(s!, a!), readOf(s!)],
  },
  {
    name: 'two addSeats naming the same new seat',
    setup: 'free',
    calls: ([, , n, m]) => [{ kind: 'addSeats', seatIds: [n!] }, { kind: 'addSeats', seatIds: [m!, n!] }, readOf(n!)],
  },
  {
    name: 'an addSeats against a reserve of the seat it adds',
    setup: 'free',
    calls: ([, , n], [, a]) => [{ kind: 'addSeats', seatIds: [n!] }, reserveOf(n!, a!), readOf(n!)],
  },
];

/** A race as a batch case: seat 0 in the template's state, seat 1 free, fixed ids. */
export function raceCase(template: RaceTemplate, seed: number, holdMs: number): BatchCase {
  return {
    holdMs,
    startMs: Date.UTC(2026, 2, 4, 5, 6, 7, 89),
    seed,
    seatIds: ['A1', 'a1', 'N1', 'N2'],
    userIds: ['owner', 'Alice', 'alice'],
    setups: [template.setup, 'free'],
    late: false,
    calls: [],
  };
}

// ---- Running batches and races ------------------------------------------------------------------

const RACE_HOLD_MS = 10 * 60_000;

async function expectResolves(call: () => Promise<unknown>, what: string): Promise<void> {
  const outcome = await settle(call);
  if (!outcome.ok) expect.fail(`${what} should resolve but ${describeOutcome(outcome)}`);
}

/** The history's verdict as an assertion: a non-linearizable history fails with the history shown. */
export function expectLinearizable(
  history: History<SeatCall, unknown>,
  pre: SeatModel,
  classes: ErrorClasses,
  setup: string,
): void {
  const calls = history.operations.map((operation) => operation.input);
  const verdict = checkLinearizable(history.operations, linearizabilityModel(pre, classes, calls));
  if (!verdict.ok) throw new Error(`${verdict.message}\nset up with ${setup}`);
  expectDistinctReservationIds(history.operations);
}

/** A batch's setup through instance A of a fresh deployment, checked against the model. */
export async function deployBatch(
  impl: Impl,
  batch: BatchCase,
  options: { readonly instances: number; readonly maxYields: number },
): Promise<{ deployment: Deployment; world: World; holds: (string | undefined)[] }> {
  const deployment = await deploy(impl, {
    holdMs: batch.holdMs,
    startMs: batch.startMs,
    instances: options.instances,
    seed: batch.seed,
    maxYields: options.maxYields,
  });
  const world: World = {
    state: createModel(batch.holdMs, batch.startMs),
    seatIds: batch.seatIds,
    userIds: batch.userIds,
  };
  try {
    return { deployment, world, holds: await setUpSeats(deployment, world, batch) };
  } catch (error) {
    await deployment.close();
    throw new Error(`setting up ${describeBatchCase(batch)}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * One race of a template: its calls (and a read) started in the same turn through two instances,
 * the database's answers interleaved by `dbSeed`, then every seat read through both; the history
 * must be linearizable.
 */
export async function raceOnce(impl: Impl, template: RaceTemplate, dbSeed: number, holdMs: number): Promise<void> {
  const batch = raceCase(template, dbSeed, holdMs);
  const { deployment, world, holds } = await deployBatch(impl, batch, { instances: 2, maxYields: 3 });
  try {
    const history = createHistory<SeatCall, unknown>();
    const calls = template.calls(batch.seatIds, batch.userIds, holds[0] ?? NEVER_ISSUED);
    await Promise.all(
      calls.map((input, index) => {
        const instance = deployment.instances[index % 2]!;
        return history.call(`${instance.label}${index + 1}`, input, () => invokeService(impl, instance.service, input));
      }),
    );
    await readEverySeat(impl, deployment, history, batch.seatIds);
    expectLinearizable(history, world.state, impl, `${template.name} (database seed ${dbSeed})`);
  } finally {
    await deployment.close();
  }
}

/**
 * Two app instances start on a fresh database at the same moment: both init() calls resolve, and
 * the schema they leave works from either instance.
 */
export async function initRace(impl: Impl, dbSeed: number): Promise<void> {
  const owner = createTestDatabase();
  const handles = [0, 1].map((index) => openTestDatabase(owner.file, { seed: dbSeed + index, maxYields: 3 }));
  try {
    const [first, second] = handles.map((handle) =>
      impl.createSeatService(handle.db, { holdMs: RACE_HOLD_MS, now: () => 1 }),
    );
    const started = await Promise.all([settle(() => first!.init()), settle(() => second!.init())]);
    for (const [index, outcome] of started.entries()) {
      if (!outcome.ok) {
        expect.fail(
          `two instances called init() on a fresh database at once, and instance ${index + 1}'s ${describeOutcome(outcome)}`,
        );
      }
    }
    await expectResolves(() => first!.addSeats(['A1']), 'addSeats(["A1"]) through the first instance after the race');
    await expectResolves(() => second!.reserveSeat('A1', 'user-1'), 'reserveSeat("A1", "user-1") through the second');
  } finally {
    for (const handle of handles) await handle.close();
    await owner.close();
  }
}

/** Reads each seat through each instance once everything else has returned, into the history. */
export async function readEverySeat(
  impl: Impl,
  deployment: Deployment,
  history: History<SeatCall, unknown>,
  seats: readonly string[],
): Promise<void> {
  for (const seatId of seats) {
    for (const instance of deployment.instances) {
      const input: SeatCall = { kind: 'getSeat', seatId };
      await history.call(`${instance.label} after`, input, () => invokeService(impl, instance.service, input));
    }
  }
}
