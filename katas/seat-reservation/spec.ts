/**
 * The seat-reservation spec. It reads as: the rules (kata.json `rules`, each shown in README.md by
 * its id), the model of them (model.ts), the words and values runs are drawn from (vocabulary.ts),
 * then the checks:
 *
 * - model checks: generated sequences over the whole API through two app instances, against the
 *   model, without and with faults (sequences.ts);
 * - linearizability of races of every pair of calls and of small random batches, in one process and
 *   across worker-thread instances (concurrency.ts); an instance (a worker thread) terminated in the
 *   middle of each kind of write (crash.ts);
 * - the headline races: 1000 users for one seat, in one process and across four instances;
 * - named scenarios a candidate can read, as scripts checked against the model (script.ts).
 *
 * Each check says which rules it proves; a failure's first line says what happened.
 */
import fc from 'fast-check';
import { setImmediate } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { createTestDatabase, faultTargets, type TestDatabase } from '../../harness/kit/db/index.ts';
import { createHistory, startStaggered } from '../../harness/kit/history.ts';
import { runCommands } from '../../harness/kit/model.ts';
import { createManualClock, defineSpec, describeOutcome, settle, show, type Outcome } from '../../harness/kit/index.ts';
import { createSharedClock, runWorkers } from '../../harness/kit/workers/index.ts';
import type { AppInstanceArgs, AppInstanceResult } from './app-instance.ts';
import {
  batchCalls,
  batchCases,
  deployBatch,
  describeBatchCase,
  expectLinearizable,
  initRace,
  raceOnce,
  RACES,
  readEverySeat,
} from './concurrency.ts';
import { crashPoints, dieAt } from './crash.ts';
import {
  callService,
  deploy,
  dumpDifference,
  invokeService,
  type Deployment,
  type Impl,
  type Service,
  type ServiceCall,
} from './fixture.ts';
import type { HistoryInstanceArgs, RecordedCall } from './history-instance.ts';
import { createModel, type SeatCall } from './model.ts';
import {
  addSeats,
  call,
  confirm,
  getSeat,
  init,
  release,
  reserve,
  runScript,
  startInstance,
  untilExpiryOf,
  wait,
} from './script.ts';
import { runStep, sequenceCommands, sequenceSetups, sequenceStart, type World } from './sequences.ts';
import {
  HOLD_MS_NOT_NUMBERS,
  HOLD_MS_NOT_POSITIVE_INTEGERS,
  MAX_HOLD_MS,
  NOT_HANDLES,
  NOT_STRINGS,
  NOW_NOT_FUNCTIONS,
} from './vocabulary.ts';
import type * as SeatKata from './index.ts';

type Reservation = SeatKata.SeatReservation;

const HOLD_MS = 10 * 60_000;
const appInstanceFile = fileURLToPath(new URL('./app-instance.ts', import.meta.url));
const historyInstanceFile = fileURLToPath(new URL('./history-instance.ts', import.meta.url));

interface Fixture {
  readonly testDb: TestDatabase;
  readonly service: Service;
  readonly advance: (ms: number) => Promise<void>;
  readonly now: () => number;
}

interface FixtureOptions {
  /** Seeds the order in which concurrent callers reach the database. */
  readonly seed?: number;
  /** Event-loop turns the database may take per statement; 0 answers at once. */
  readonly maxYields?: number;
  readonly seats?: readonly string[];
  readonly holdMs?: number;
}

/** A fresh database and one service for the headline races, closed (and deleted) afterwards. */
async function withService<T>(impl: Impl, options: FixtureOptions, body: (fixture: Fixture) => Promise<T>): Promise<T> {
  const testDb = createTestDatabase({ seed: options.seed ?? 0, maxYields: options.maxYields ?? 0 });
  try {
    const clock = createManualClock();
    const service = impl.createSeatService(testDb.db, { holdMs: options.holdMs ?? HOLD_MS, now: clock.now });
    await service.init();
    if (options.seats !== undefined && options.seats.length > 0) await service.addSeats(options.seats);
    return await body({ testDb, service, advance: (ms) => clock.advance(ms), now: clock.now });
  } finally {
    await testDb.close();
  }
}

function codeOf(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string') return code;
  if (typeof name === 'string') return `${name} without a code`;
  return `non-error ${String(error)}`;
}

async function expectResolved<T>(call: () => Promise<T>, what: string): Promise<T> {
  const outcome = await settle(call);
  if (!outcome.ok) expect.fail(`${what} should resolve but ${describeOutcome(outcome)}`);
  return outcome.value;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function seatIds(count: number, prefix = 'S'): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}${index}`);
}

/** More ids than one statement or one batch of a chunked insert would take. */
const LONG_LIST = seatIds(250, 'L');

interface Race {
  readonly seatId: string;
  readonly userId: string;
}

/**
 * The invariants of many users racing for many seats: nobody is told they hold a seat they do
 * not, no seat has two holders, every seat somebody asked for went to somebody, and the database
 * agrees with what the callers were told.
 */
async function expectConsistentHolds(
  service: Service,
  seats: readonly string[],
  calls: readonly Race[],
  outcomes: readonly Outcome<Reservation>[],
): Promise<void> {
  const holders = new Map<string, Map<string, string>>();
  const misdirected: string[] = [];
  const strays: string[] = [];
  calls.forEach((race, index) => {
    const outcome = outcomes[index]!;
    if (!outcome.ok) {
      if (codeOf(outcome.error) !== 'SEAT_UNAVAILABLE') {
        strays.push(`${race.userId} reserving ${race.seatId} ${describeOutcome(outcome)}`);
      }
      return;
    }
    const { seatId, userId, reservationId } = outcome.value;
    if (seatId !== race.seatId || userId !== race.userId) {
      misdirected.push(`${race.userId} asked for seat ${race.seatId} and was told they hold ${show(outcome.value)}`);
    }
    const seatHolders = holders.get(seatId) ?? new Map<string, string>();
    seatHolders.set(reservationId, userId);
    holders.set(seatId, seatHolders);
  });
  for (const [seatId, seatHolders] of holders) {
    const told = [...seatHolders.entries()].map(([id, user]) => `${user} (${id})`);
    const shown = told.slice(0, 3).join(', ') + (told.length > 3 ? ', ...' : '');
    expect(told.length, `seat ${seatId} was given to ${told.length} reservations: ${shown}`).toBe(1);
  }
  expect(
    misdirected.length,
    `${misdirected.length} caller(s) were told they hold a seat they did not ask for, e.g. ${misdirected[0]}`,
  ).toBe(0);
  expect(strays.length, `${strays.length} losing caller(s) did not get SEAT_UNAVAILABLE, e.g. ${strays[0]}`).toBe(0);
  for (const seatId of seats) {
    const asked = calls.filter((race) => race.seatId === seatId).length;
    const seatHolders = holders.get(seatId);
    const state = await expectResolved(() => service.getSeat(seatId), `getSeat("${seatId}") after the race`);
    if (asked === 0) {
      expect(state.status, `seat ${seatId} was never asked for, yet getSeat says ${show(state)}`).toBe('available');
      continue;
    }
    expect(seatHolders?.size ?? 0, `seat ${seatId} was asked for ${asked} time(s) and nobody got it`).toBe(1);
    const [reservationId, userId] = [...seatHolders!.entries()][0]!;
    expect(
      state,
      `getSeat("${seatId}") should show the hold of ${userId} (${reservationId}) but shows ${show(state)}`,
    ).toMatchObject({ status: 'held', userId, reservationId });
  }
}

/** The bad inputs the README lists, every one, as calls with what the model says they throw. */
function everyBadInput(deployment: Deployment): { call: ServiceCall; say: string }[] {
  const db = deployment.instances[0]!.testDb.db;
  const now = deployment.clock.now;
  const cases: { call: ServiceCall; say: string }[] = [];
  const ids = [...NOT_STRINGS, ''];
  for (const value of ids) {
    cases.push({ call: { kind: 'reserveSeat', seatId: value, userId: 'user-1' }, say: 'reserveSeat(seatId)' });
    cases.push({ call: { kind: 'reserveSeat', seatId: 'A1', userId: value }, say: 'reserveSeat(userId)' });
    cases.push({ call: { kind: 'getSeat', seatId: value }, say: 'getSeat(seatId)' });
    cases.push({ call: { kind: 'confirm', reservationId: value }, say: 'confirm(reservationId)' });
    cases.push({ call: { kind: 'release', reservationId: value }, say: 'release(reservationId)' });
  }
  for (const value of ['A2', undefined, null, {}, 42, true]) {
    cases.push({ call: { kind: 'addSeats', seatIds: value }, say: 'addSeats(seatIds)' });
  }
  for (const value of [...NOT_STRINGS.filter((item) => !Array.isArray(item)), ['B1']]) {
    cases.push({
      call: { kind: 'addSeats', seatIds: ['B1', value] },
      say: 'addSeats with an entry that is not a string',
    });
  }
  cases.push({ call: { kind: 'addSeats', seatIds: ['B1', ''] }, say: 'addSeats with an empty id' });
  cases.push({ call: { kind: 'addSeats', seatIds: ['B1', 'B2', 'B1'] }, say: 'addSeats listing B1 twice' });
  cases.push({ call: { kind: 'addSeats', seatIds: ['A1', 'A1'] }, say: 'addSeats listing an existing id twice' });
  for (const value of NOT_HANDLES) {
    cases.push({
      call: { kind: 'create', dbIsHandle: false, db: value, options: { holdMs: HOLD_MS, now } },
      say: 'db',
    });
  }
  for (const value of [...HOLD_MS_NOT_NUMBERS, ...HOLD_MS_NOT_POSITIVE_INTEGERS]) {
    cases.push({ call: { kind: 'create', dbIsHandle: true, db, options: { holdMs: value, now } }, say: 'holdMs' });
  }
  cases.push({ call: { kind: 'create', dbIsHandle: true, db, options: { now } }, say: 'holdMs missing' });
  cases.push({ call: { kind: 'create', dbIsHandle: true, db, options: undefined }, say: 'no options (so no holdMs)' });
  for (const value of NOW_NOT_FUNCTIONS) {
    cases.push({
      call: { kind: 'create', dbIsHandle: true, db, options: { holdMs: HOLD_MS, now: value } },
      say: 'now',
    });
  }
  return cases;
}

export default defineSpec<Impl>('seat-reservation', ({ check }) => {
  // ---- Model checks: the whole API against the model -------------------------------------------

  check(
    {
      id: 'model-sequences',
      title:
        'random sequences of every call through two instances, with bad input and the clock moving, match the model',
      item: 'api-design',
      weight: 4,
      timeoutMs: 60_000,
      rules: [
        'ids-opaque',
        'reserve-free-seat',
        'reserve-same-user-after-hold-ended',
        'reserve-held-by-other',
        'reserve-sold-unavailable',
        'reserve-same-user-returns-hold',
        'reserve-same-user-after-confirm',
        'reserve-unknown-seat',
        'reservation-id-unique',
        'reservation-names-seat-and-user',
        'reservation-timestamp',
        'reservation-expires-at',
        'confirm-live-hold',
        'confirm-again',
        'confirm-hold-over',
        'confirm-unknown',
        'release-live-hold',
        'release-ended-is-false',
        'release-unknown',
        'get-seat-available',
        'get-seat-held',
        'get-seat-confirmed',
        'get-seat-expired-is-available',
        'get-seat-unknown',
        'add-seats',
        'add-seats-all-or-none',
        'seat-exists-names-ids',
        'add-seats-empty',
        'init-idempotent',
        'hold-boundary',
        'hold-ms-any-positive-integer',
        'now-injected-only',
        'instances-share-state',
        'bad-seat-id',
        'bad-user-id',
        'bad-reservation-id',
        'bad-seat-ids',
        'bad-db',
        'bad-hold-ms',
        'bad-now',
        'error-classes',
        'error-fields',
      ],
    },
    ({ impl, property }) =>
      property(
        fc.asyncProperty(
          sequenceSetups.chain((setup) =>
            fc.record({
              setup: fc.constant(setup),
              commands: fc.commands(sequenceCommands(setup, { faults: false }), { maxCommands: 30, size: 'max' }),
            }),
          ),
          ({ setup, commands }) => runCommands(sequenceStart(impl, setup), commands),
        ),
        { numRuns: 25, timeoutMs: 10_000 },
      ),
  );

  check(
    {
      id: 'model-sequences-with-faults',
      title:
        'the same sequences with the database failing at each statement of a call in turn: a failed attempt changes nothing, the one that gets through does what the model says',
      item: 'transactions',
      weight: 3,
      redFlag: 'no-transaction-handling',
      timeoutMs: 60_000,
      rules: ['failures-leave-nothing', 'init-idempotent'],
    },
    ({ impl, property }) =>
      property(
        fc.asyncProperty(
          sequenceSetups.chain((setup) =>
            fc.record({
              setup: fc.constant(setup),
              commands: fc.commands(sequenceCommands(setup, { faults: true }), { maxCommands: 24, size: 'max' }),
            }),
          ),
          ({ setup, commands }) => runCommands(sequenceStart(impl, setup), commands),
        ),
        { numRuns: 20, timeoutMs: 10_000 },
      ),
  );

  // ---- Linearizability: any calls racing on the same seats ---------------------------------------

  check(
    {
      id: 'linearizable-in-one-process',
      title: 'concurrent batches of every kind of call on the same seats, through two instances, are linearizable',
      item: 'race-conditions',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 60_000,
      rules: ['concurrent-calls-linearizable', 'reserve-exactly-one-winner', 'release-exactly-once', 'init-idempotent'],
    },
    async ({ impl, seed, runsFactor, property }) => {
      // Every pair of operations on one seat, started at the same moment, under several interleavings.
      for (const [index, template] of RACES.entries()) {
        for (let repeat = 0; repeat < 3 * runsFactor; repeat++) {
          await raceOnce(impl, template, (seed + 7919 * repeat + 104_729 * index) | 0, repeat % 2 === 0 ? HOLD_MS : 1);
        }
      }
      for (let repeat = 0; repeat < 2 * runsFactor; repeat++) await initRace(impl, (seed + 31 * repeat) | 0);
      // Then random batches of every kind of call, with staggered starts.
      await property(
        fc.asyncProperty(batchCases({ minCalls: 2, maxCalls: 6 }), fc.integer(), async (batch, stagger) => {
          const { deployment, world, holds } = await deployBatch(impl, batch, { instances: 2, maxYields: 3 });
          try {
            const history = createHistory<SeatCall, unknown>();
            const calls = batchCalls(batch, holds);
            await startStaggered(
              calls.map((input, index) => {
                const instance = deployment.instances[batch.calls[index]!.via]!;
                return {
                  process: `${instance.label}${index + 1}`,
                  run: () =>
                    history.call(`${instance.label}${index + 1}`, input, () =>
                      invokeService(impl, instance.service, input),
                    ),
                };
              }),
              { seed: stagger, maxDelayTurns: 3 },
            );
            await readEverySeat(impl, deployment, history, batch.seatIds);
            expectLinearizable(history, world.state, impl, describeBatchCase(batch));
          } finally {
            await deployment.close();
          }
        }),
        { numRuns: 10, timeoutMs: 10_000 },
      );
    },
  );

  check(
    {
      id: 'linearizable-across-instances',
      title: 'concurrent calls from four worker-thread instances and reads from a fifth are linearizable',
      item: 'load-balancing',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 60_000,
      rules: ['concurrent-calls-linearizable', 'instances-share-state', 'reservation-id-unique'],
    },
    async ({ impl, targetFile, property }) => {
      await property(
        fc.asyncProperty(batchCases({ minCalls: 4, maxCalls: 8 }), fc.integer(), async (batch, seed) => {
          // Each instance also makes a hold on a seat of its own: no two may get the same id.
          const own = [1, 2, 3, 4].map((index) => `${batch.seatIds[0]}#${index}`);
          const { deployment, world, holds } = await deployBatch(impl, batch, { instances: 1, maxYields: 0 });
          try {
            await runStep(world, deployment, 0, { kind: 'addSeats', seatIds: own });
            const calls = batchCalls(batch, holds);
            const perInstance: SeatCall[][] = own.map((seatId, index) => [
              { kind: 'reserveSeat', seatId, userId: batch.userIds[index % 3]! },
              ...calls.filter((_, position) => position % 4 === index),
            ]);
            const clock = createSharedClock();
            const history = createHistory<SeatCall, unknown>();
            let finished = false;
            const running = runWorkers<RecordedCall[], HistoryInstanceArgs>({
              scenarioFile: historyInstanceFile,
              targetFile,
              databaseFile: deployment.file,
              workers: 4,
              seed,
              clock,
              args: { holdMs: batch.holdMs, nowMs: world.state.now, calls: perInstance, maxDelayTurns: 3 },
              database: { maxYields: 2 },
            }).finally(() => (finished = true));
            // The main thread is a fifth instance, reading while the others write.
            const main = deployment.instances[0]!;
            for (let read = 0; read < 8 && !finished; read++) {
              const input: SeatCall = { kind: 'getSeat', seatId: batch.seatIds[read % 2]! };
              const invokedAt = clock.tick();
              const outcome = await callService(impl, main.service, input);
              history.add({ process: 'main', input, invokedAt, returnedAt: clock.tick(), outcome });
              await nextTurn();
            }
            const recorded = await running;
            recorded.forEach((calls, index) => {
              for (const { input, invokedAt, returnedAt, outcome } of calls) {
                history.add({ process: `instance ${index + 1}`, input, invokedAt, returnedAt, outcome });
              }
            });
            for (const seatId of [...batch.seatIds, ...own]) {
              const input: SeatCall = { kind: 'getSeat', seatId };
              const invokedAt = clock.tick();
              const outcome = await callService(impl, main.service, input);
              history.add({ process: 'main after', input, invokedAt, returnedAt: clock.tick(), outcome });
            }
            expectLinearizable(history, world.state, {}, describeBatchCase(batch));
          } finally {
            await deployment.close();
          }
        }),
        { numRuns: 1, timeoutMs: 20_000 },
      );
    },
  );

  check(
    {
      id: 'instance-dies-mid-call',
      title:
        'an instance terminated at any statement of reserve, a takeover, confirm, release or addSeats leaves the state before or after the call',
      item: 'error-recovery',
      weight: 2,
      redFlag: 'no-transaction-handling',
      timeoutMs: 60_000,
      rules: ['failures-leave-nothing'],
    },
    async ({ impl, targetFile, runsFactor }) => {
      const { points, statements } = await crashPoints(impl);
      // Grading dies before and after every statement, in case the worker runs other statements.
      const sweep =
        runsFactor > 1
          ? Array.from({ length: statements }, (_, index) => index + 1).flatMap((point) => [
              { point, timing: 'before' as const },
              { point, timing: 'after' as const },
            ])
          : points.map((point) => ({ point, timing: 'after' as const }));
      for (const { point, timing } of sweep) await dieAt(impl, targetFile, point, timing);
    },
  );

  // ---- The headline races --------------------------------------------------------------------------

  check(
    {
      id: 'one-winner',
      title: 'exactly one of 1000 concurrent reservations of the last seat succeeds; reads agree',
      item: 'race-conditions',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 20_000,
      rules: ['reserve-exactly-one-winner'],
    },
    ({ impl, seed }) =>
      withService(impl, { seed, maxYields: 3, seats: ['A1'] }, async ({ service }) => {
        let step = 0;
        let winnerToldAt = Number.POSITIVE_INFINITY;
        const reservations = Array.from({ length: 1000 }, (_, index) => {
          const userId = `user-${index}`;
          return settle(() => service.reserveSeat('A1', userId)).then((outcome) => {
            if (outcome.ok) winnerToldAt = Math.min(winnerToldAt, ++step);
            return { userId, outcome };
          });
        });
        // Reads while the race runs, some after the winner has been told, so the history can be judged.
        const reads: Promise<{ startedAt: number; outcome: Outcome<SeatKata.SeatState> }>[] = [];
        for (let wave = 0; wave < 10; wave++) {
          await nextTurn();
          for (let read = 0; read < 10; read++) {
            const startedAt = ++step;
            reads.push(settle(() => service.getSeat('A1')).then((outcome) => ({ startedAt, outcome })));
          }
        }
        const results = await Promise.all(reservations);
        const winners = results.filter((result) => result.outcome.ok);
        expect(winners.length, `${winners.length} of 1000 concurrent reservations of seat A1 succeeded`).toBe(1);
        const strays = results.filter(
          (result) => !result.outcome.ok && codeOf(result.outcome.error) !== 'SEAT_UNAVAILABLE',
        );
        expect(
          strays.length,
          `${strays.length} losing reservations did not reject with SEAT_UNAVAILABLE, e.g. ${strays[0]?.userId} ${
            strays[0] ? describeOutcome(strays[0].outcome) : ''
          }`,
        ).toBe(0);
        const winner = winners[0]!;
        const reservation = (winner.outcome as { value: Reservation }).value;
        expect(reservation, `the winning reservation of ${winner.userId}`).toMatchObject({
          seatId: 'A1',
          userId: winner.userId,
          status: 'held',
        });
        const after = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1") after the race');
        expect(after, `getSeat("A1") after ${winner.userId} won shows ${show(after)}`).toMatchObject({
          status: 'held',
          userId: winner.userId,
          reservationId: reservation.reservationId,
        });
        for (const { startedAt, outcome } of await Promise.all(reads)) {
          if (!outcome.ok) expect.fail(`getSeat("A1") during the race ${describeOutcome(outcome)}`);
          const seen = outcome.value;
          if (seen.status === 'available') {
            expect(
              startedAt < winnerToldAt,
              `a getSeat("A1") started after ${winner.userId} was told they won still saw the seat available`,
            ).toBe(true);
            continue;
          }
          expect(
            seen,
            `a getSeat("A1") during the race saw ${show(seen)}, but ${winner.userId} won with ${reservation.reservationId}`,
          ).toMatchObject({ status: 'held', userId: winner.userId, reservationId: reservation.reservationId });
        }
      }),
  );

  check(
    {
      id: 'one-winner-across-instances',
      title: 'exactly one of 1000 reservations of one seat succeeds across 4 app instances on one database',
      item: 'load-balancing',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 30_000,
      rules: ['reserve-exactly-one-winner'],
    },
    ({ impl, seed, targetFile }) =>
      withService(impl, { seats: ['A1'] }, async ({ testDb, service, now }) => {
        const perInstance = await runWorkers<AppInstanceResult, AppInstanceArgs>({
          scenarioFile: appInstanceFile,
          targetFile,
          databaseFile: testDb.file,
          workers: 4,
          seed,
          args: { seatId: 'A1', usersPerInstance: 250, holdMs: HOLD_MS, nowMs: now() },
          // On PostgreSQL the instances race for real (the kit's sequencer is per thread, so it orders
          // nothing between instances): sequencing each instance's 250 calls one statement at a time
          // only made 1000 transactions queueing on one row lock take 37-38 s instead of 12-13 s
          // (load average 16), past the 20 s a run may take. SQLite ignores the option.
          database: { maxYields: 2, deterministic: false },
          timeoutMs: 25_000,
        });
        const all = perInstance.flat();
        const winners = all.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
        const tally = perInstance
          .map((outcomes, index) => `instance ${index + 1}: ${outcomes.filter((o) => o.status === 'fulfilled').length}`)
          .join(', ');
        expect(
          winners.length,
          `${winners.length} of 1000 reservations of seat A1 across 4 app instances succeeded (${tally})`,
        ).toBe(1);
        const stray = all.find((outcome) => outcome.status === 'rejected' && outcome.error.code !== 'SEAT_UNAVAILABLE');
        expect(
          stray,
          `a losing reservation in another instance rejected with ${stray?.status === 'rejected' ? `${stray.error.code ?? stray.error.name}: ${stray.error.message}` : ''} instead of SEAT_UNAVAILABLE`,
        ).toBeUndefined();
        const winner = winners[0]!;
        expect(winner, 'the winning reservation').toMatchObject({
          seatId: 'A1',
          userId: winner.caller,
          status: 'held',
        });
        const after = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1") after the race');
        expect(after, `getSeat("A1") after ${winner.caller} won shows ${show(after)}`).toMatchObject({
          status: 'held',
          userId: winner.caller,
          reservationId: winner.reservationId,
        });
      }),
  );

  check(
    {
      id: 'many-seats-many-users',
      title: 'many users racing for many seats: no seat held twice, nobody told they hold a seat they do not',
      item: 'race-conditions',
      weight: 2,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 30_000,
      rules: ['reserve-exactly-one-winner', 'reservation-names-seat-and-user'],
    },
    async ({ impl, seed, property }) => {
      // One user, two seats, one after the other: holding S0 is no answer to a request for S1.
      await withService(impl, { seats: ['S0', 'S1'] }, async ({ service }) => {
        const calls = [
          { seatId: 'S0', userId: 'user-1' },
          { seatId: 'S1', userId: 'user-1' },
        ];
        const outcomes: Outcome<Reservation>[] = [];
        for (const race of calls) outcomes.push(await settle(() => service.reserveSeat(race.seatId, race.userId)));
        await expectConsistentHolds(service, ['S0', 'S1'], calls, outcomes);
      });
      // A fixed crowd: 100 users, each after 3 of 10 seats, each retrying their first pick.
      const seats = seatIds(10);
      const calls: Race[] = [];
      for (let user = 0; user < 100; user++) {
        const picks = [user % 10, (user * 3 + 1) % 10, (user * 7 + 4) % 10];
        for (const pick of [...new Set(picks), picks[0]!]) calls.push({ seatId: seats[pick]!, userId: `user-${user}` });
      }
      await withService(impl, { seed, maxYields: 3, seats }, async ({ service }) => {
        const outcomes = await Promise.all(
          calls.map((race) => settle(() => service.reserveSeat(race.seatId, race.userId))),
        );
        await expectConsistentHolds(service, seats, calls, outcomes);
      });
      // Then generated crowds, each with its own interleaving.
      const crowd = fc
        .record({
          seats: fc.integer({ min: 1, max: 8 }),
          users: fc.integer({ min: 1, max: 12 }),
          interleaving: fc.integer(),
        })
        .chain(({ seats: seatCount, users, interleaving }) =>
          fc.record({
            seatCount: fc.constant(seatCount),
            interleaving: fc.constant(interleaving),
            picks: fc.array(fc.tuple(fc.nat({ max: seatCount - 1 }), fc.nat({ max: users - 1 })), {
              minLength: 1,
              maxLength: 80,
            }),
          }),
        );
      await property(
        fc.asyncProperty(crowd, async ({ seatCount, interleaving, picks }) => {
          const generatedSeats = seatIds(seatCount, 'G');
          const generatedCalls = picks.map(([seat, user]) => ({ seatId: generatedSeats[seat]!, userId: `u${user}` }));
          await withService(impl, { seed: interleaving, maxYields: 3, seats: generatedSeats }, async ({ service }) => {
            const outcomes = await Promise.all(
              generatedCalls.map((race) => settle(() => service.reserveSeat(race.seatId, race.userId))),
            );
            await expectConsistentHolds(service, generatedSeats, generatedCalls, outcomes);
          });
        }),
        { numRuns: 8, timeoutMs: 10_000 },
      );
    },
  );

  check(
    {
      id: 'hold-expiry',
      title: 'a hold lasts holdMs: then the seat is free again, and exactly one of 200 users racing for it gets it',
      item: 'locking',
      weight: 2,
      timeoutMs: 15_000,
      rules: ['hold-boundary', 'reserve-free-seat', 'get-seat-expired-is-available', 'reserve-exactly-one-winner'],
    },
    async ({ impl, seed }) => {
      await runScript(impl, { holdMs: HOLD_MS, seats: ['A1'] }, [
        reserve('A1', 'user-1'),
        untilExpiryOf('A1', 'user-1', -1),
        reserve('A1', 'user-2'),
        getSeat('A1'),
        untilExpiryOf('A1', 'user-1'),
        getSeat('A1'),
        reserve('A1', 'user-2'),
        getSeat('A1'),
      ]);
      // Two hundred users reach the expired hold at the same moment: one takes it over.
      await withService(impl, { seed, maxYields: 3, seats: ['A1'] }, async ({ service, advance }) => {
        await expectResolved(() => service.reserveSeat('A1', 'user-1'), 'user-1 reserving A1');
        await advance(HOLD_MS);
        const racers = await Promise.all(
          Array.from({ length: 200 }, (_, index) => settle(() => service.reserveSeat('A1', `racer-${index}`))),
        );
        const winners = racers.filter((outcome) => outcome.ok).length;
        expect(winners, `${winners} of 200 concurrent reservations of A1's expired hold succeeded`).toBe(1);
        const stray = racers.find((outcome) => !outcome.ok && codeOf(outcome.error) !== 'SEAT_UNAVAILABLE');
        expect(stray && describeOutcome(stray), 'a losing racer for the expired hold').toBeUndefined();
      });
    },
  );

  check(
    {
      id: 'release-frees-once',
      title: 'releasing a hold after a failed payment frees the seat exactly once; a repeat is harmless',
      item: 'error-recovery',
      weight: 2,
      redFlag: 'no-idempotency',
      timeoutMs: 15_000,
      rules: ['release-exactly-once', 'release-live-hold', 'release-ended-is-false', 'confirm-hold-over'],
    },
    async ({ impl, seed }) => {
      await withService(impl, { seed, maxYields: 3, seats: ['A1'] }, async ({ service }) => {
        const hold = await expectResolved(() => service.reserveSeat('A1', 'user-1'), 'user-1 reserving A1');
        // The payment failed, and the failure notice arrives 100 times at once.
        const releases = await Promise.all(
          Array.from({ length: 100 }, () => settle(() => service.release(hold.reservationId))),
        );
        const odd = releases.find((outcome) => !outcome.ok || typeof outcome.value !== 'boolean');
        expect(odd && describeOutcome(odd), 'a concurrent release of a live hold').toBeUndefined();
        const freed = releases.filter((outcome) => outcome.ok && outcome.value === true).length;
        expect(freed, `${freed} of 100 concurrent releases of user-1's hold reported freeing seat A1`).toBe(1);
      });
      await runScript(impl, { holdMs: HOLD_MS, seats: ['A1'] }, [
        reserve('A1', 'user-1'),
        release('A1', 'user-1'),
        getSeat('A1'),
        release('A1', 'user-1'),
        confirm('A1', 'user-1'),
        reserve('A1', 'user-2'),
        release('A1', 'user-1'),
        confirm('A1', 'user-1'),
        getSeat('A1'),
        confirm('A1', 'user-2'),
      ]);
    },
  );

  check(
    {
      id: 'retry-returns-same',
      title: 'a user retrying their own reservation (or confirmation) gets the same one back',
      item: 'idempotency',
      weight: 2,
      redFlag: 'no-idempotency',
      timeoutMs: 15_000,
      rules: ['reserve-same-user-returns-hold', 'reserve-same-user-after-confirm', 'confirm-again'],
    },
    async ({ impl, seed }) => {
      await runScript(impl, { holdMs: HOLD_MS, seats: ['A1'] }, [
        reserve('A1', 'user-1'),
        wait(1_000),
        reserve('A1', 'user-1'),
        untilExpiryOf('A1', 'user-1', -1),
        reserve('A1', 'user-1'),
        confirm('A1', 'user-1'),
        reserve('A1', 'user-1'),
        confirm('A1', 'user-1'),
        wait(10 * HOLD_MS),
        confirm('A1', 'user-1'),
        reserve('A1', 'user-1'),
      ]);
      await withService(impl, { seed, maxYields: 3, seats: ['A1', 'B1'] }, async ({ service }) => {
        // A double-click storm: 50 identical requests from one user at once.
        const storm = await Promise.all(
          Array.from({ length: 50 }, () => settle(() => service.reserveSeat('B1', 'user-2'))),
        );
        const failed = storm.filter((outcome) => !outcome.ok);
        expect(
          failed.length,
          `${failed.length} of 50 concurrent reservations of B1 by user-2 failed, e.g. ${failed[0] ? describeOutcome(failed[0]) : ''}`,
        ).toBe(0);
        const ids = new Set(storm.map((outcome) => (outcome as { value: Reservation }).value.reservationId));
        expect(ids.size, `50 concurrent reservations of B1 by user-2 returned ${ids.size} different reservations`).toBe(
          1,
        );
        const sold = await Promise.all(Array.from({ length: 20 }, () => settle(() => service.confirm([...ids][0]!))));
        const unsold = sold.find((outcome) => !outcome.ok || outcome.value.status !== 'confirmed');
        expect(unsold && describeOutcome(unsold), "one of 20 concurrent confirms of user-2's hold").toBeUndefined();
      });
    },
  );

  // ---- Named scenarios -----------------------------------------------------------------------------

  check(
    {
      id: 'seat-lifecycle',
      title: 'available, held (with its expiry), confirmed: every field of every answer, a sale that never expires',
      item: 'api-design',
      weight: 2,
      rules: [
        'reserve-free-seat',
        'reservation-timestamp',
        'reservation-expires-at',
        'reservation-id-unique',
        'reservation-names-seat-and-user',
        'confirm-live-hold',
        'get-seat-available',
        'get-seat-held',
        'get-seat-confirmed',
        'get-seat-expired-is-available',
        'reserve-sold-unavailable',
        'release-ended-is-false',
      ],
    },
    ({ impl }) =>
      runScript(impl, { holdMs: HOLD_MS, seats: ['A1', 'A2'] }, [
        getSeat('A1'),
        reserve('A1', 'user-1'),
        getSeat('A1'),
        reserve('A2', 'user-1'),
        wait(1_000),
        confirm('A1', 'user-1'),
        getSeat('A1'),
        wait(10 * HOLD_MS),
        getSeat('A1'),
        reserve('A1', 'user-2'),
        release('A1', 'user-1'),
        getSeat('A1'),
        getSeat('A2'),
      ]),
  );

  check(
    {
      id: 'same-user-after-hold-ended',
      title: 'the user whose hold expired or was released gets a new reservation, not the old one',
      item: 'idempotency',
      rules: ['reserve-same-user-after-hold-ended', 'reserve-free-seat', 'confirm-hold-over', 'release-ended-is-false'],
    },
    ({ impl }) =>
      runScript(impl, { holdMs: HOLD_MS, seats: ['A1', 'A2', 'A3'] }, [
        reserve('A1', 'user-1'),
        reserve('A2', 'user-1'),
        release('A1', 'user-1'),
        reserve('A1', 'user-1'),
        // The old hold is over: its late release and confirm leave the user's new hold alone.
        release('A1', 'user-1', 0, 'previous'),
        confirm('A1', 'user-1', 0, 'previous'),
        getSeat('A1'),
        untilExpiryOf('A2', 'user-1'),
        reserve('A2', 'user-1'),
        confirm('A2', 'user-1', 0, 'previous'),
        release('A2', 'user-1', 0, 'previous'),
        reserve('A3', 'user-1'),
        untilExpiryOf('A3', 'user-1', 1),
        reserve('A3', 'user-1'),
        confirm('A3', 'user-1'),
        reserve('A3', 'user-1'),
        getSeat('A2'),
      ]),
  );

  check(
    {
      id: 'paused-holder-fenced',
      title: "a holder paused past its expiry can neither confirm nor release the next holder's hold",
      item: 'distributed-systems',
      weight: 2,
      redFlag: 'no-concurrency-handling',
      rules: ['confirm-hold-over', 'release-ended-is-false', 'hold-boundary'],
    },
    ({ impl }) =>
      runScript(impl, { holdMs: HOLD_MS, seats: ['A1'] }, [
        reserve('A1', 'user-1'),
        // user-1's process stalls (a GC pause, a slow payment provider) past the end of its hold.
        untilExpiryOf('A1', 'user-1'),
        confirm('A1', 'user-1'),
        getSeat('A1'),
        release('A1', 'user-1'),
        reserve('A1', 'user-2'),
        release('A1', 'user-1'),
        confirm('A1', 'user-1'),
        getSeat('A1'),
        confirm('A1', 'user-2'),
      ]),
  );

  check(
    {
      id: 'hold-lengths',
      title:
        'holds of 1 ms, 7 ms, ten minutes and millennia each end at exactly t + holdMs, on a clock far from real time',
      item: 'locking',
      rules: ['hold-ms-any-positive-integer', 'hold-boundary', 'reservation-expires-at', 'now-injected-only'],
    },
    async ({ impl }) => {
      for (const holdMs of [1, 7, 1_000, HOLD_MS, 100 * 365 * 86_400_000, MAX_HOLD_MS]) {
        // A clock in 2001, with odd milliseconds: the real time is no stand-in for it.
        await runScript(impl, { holdMs, startMs: Date.UTC(2001, 8, 9, 1, 46, 40, 321), seats: ['A1', 'A2', 'A3'] }, [
          reserve('A1', 'user-1'),
          reserve('A2', 'user-2'),
          reserve('A3', 'user-3'),
          untilExpiryOf('A1', 'user-1', -1),
          getSeat('A1'),
          reserve('A1', 'user-4'),
          untilExpiryOf('A1', 'user-1'),
          getSeat('A1'),
          confirm('A2', 'user-2'),
          release('A3', 'user-3'),
          reserve('A1', 'user-4'),
          reserve('A2', 'user-2'),
          untilExpiryOf('A1', 'user-4', -1),
          confirm('A1', 'user-4'),
          wait(holdMs),
          getSeat('A1'),
        ]);
      }
      // The top of the range: the deadline is past what a Date can show, and the hold is still a hold.
      await withService(impl, { holdMs: Number.MAX_SAFE_INTEGER, seats: ['A1'] }, async ({ service, advance }) => {
        const what = 'with holdMs Number.MAX_SAFE_INTEGER, reserveSeat("A1", "user-1")';
        const hold = await expectResolved(() => service.reserveSeat('A1', 'user-1'), what);
        expect(hold, `${what} resolved ${show(hold)}`).toMatchObject({
          seatId: 'A1',
          userId: 'user-1',
          status: 'held',
        });
        advance(100 * 365 * 86_400_000);
        const seat = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1") a century later');
        expect(
          seat,
          `a century into a hold of Number.MAX_SAFE_INTEGER ms, getSeat("A1") shows ${show(seat)}`,
        ).toMatchObject({ status: 'held', userId: 'user-1', reservationId: hold.reservationId });
      });
    },
  );

  check(
    {
      id: 'default-clock',
      title: 'without a now option the service reads Date.now at each call',
      item: 'api-design',
      rules: ['now-default'],
    },
    async ({ impl }) => {
      const realNow = Date.now;
      let fake = Date.UTC(2031, 2, 3, 4, 5, 6, 789);
      // A new function at every move, installed after the service exists: a service that kept the
      // Date.now it saw when it was made, or the one of an earlier call, reads a stale clock.
      const moveDateNow = (to: number): void => {
        fake = to;
        const reading = to;
        Date.now = () => reading;
      };
      const testDb = createTestDatabase();
      try {
        const service = impl.createSeatService(testDb.db, { holdMs: HOLD_MS });
        moveDateNow(fake);
        await service.init();
        await service.addSeats(['A1']);
        const madeAt = fake;
        const hold = await expectResolved(() => service.reserveSeat('A1', 'user-1'), 'user-1 reserving A1');
        expect(show(hold.timestamp), 'the hold made when Date.now() read 2031-03-03T04:05:06.789Z: its timestamp').toBe(
          show(new Date(madeAt)),
        );
        expect(show(hold.expiresAt), 'its expiresAt').toBe(show(new Date(madeAt + HOLD_MS)));
        moveDateNow(fake + HOLD_MS - 1);
        const held = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(held.status, `getSeat("A1") 1 ms before the hold expires by Date.now() shows ${show(held)}`).toBe(
          'held',
        );
        moveDateNow(fake + 1);
        const free = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(free.status, `getSeat("A1") when Date.now() reaches the hold's expiry shows ${show(free)}`).toBe(
          'available',
        );
        const next = await expectResolved(() => service.reserveSeat('A1', 'user-2'), 'user-2 reserving the expired A1');
        expect(show(next.timestamp), "user-2's hold, made when Date.now() had moved on: its timestamp").toBe(
          show(new Date(fake)),
        );
      } finally {
        Date.now = realNow;
        await testDb.close();
      }
    },
  );

  check(
    {
      id: 'opaque-ids',
      title:
        "ids that differ only in case, whitespace, Unicode form or the way a number is written are different seats and users ('Alice' is not 'alice', '07' is not '7')",
      item: 'api-design',
      rules: ['ids-opaque'],
    },
    ({ impl }) => {
      const nfc = 'caf\u00e9';
      const nfd = 'cafe\u0301';
      return runScript(
        impl,
        { holdMs: HOLD_MS, seats: ['A1', 'a1', 'A1 ', nfc, nfd, 'A_1', 'A%1', '\u{1F3AB}', '7', '07', '7.0'] },
        [
          reserve('A1', 'Alice'),
          reserve('A1', 'alice'),
          reserve('a1', 'alice'),
          reserve('A1 ', 'ALICE'),
          reserve('A1', 'Alice'),
          reserve(nfc, 'Zo\u00eb'),
          reserve(nfc, 'Zoe\u0308'),
          reserve(nfd, 'Zoe\u0308'),
          getSeat(nfc),
          getSeat(nfd),
          reserve('A_1', 'bob 1'),
          reserve('A%1', 'bob 1'),
          reserve('A_1', 'bob_1'),
          reserve('\u{1F3AB}', '\u{1F464}'),
          // Ids that read as numbers are still strings: '7', '07' and '7.0' are three seats.
          reserve('7', '42'),
          reserve('07', '042'),
          reserve('7.0', '42'),
          confirm('07', '042'),
          getSeat('7'),
          getSeat('07'),
          getSeat('7.0'),
          confirm('a1', 'alice'),
          release('A1', 'Alice'),
          getSeat('A1'),
          getSeat('a1'),
        ],
      );
    },
  );

  check(
    {
      id: 'second-instance',
      title: 'a change made through one instance is seen at once by another; init() of a new instance keeps the data',
      item: 'distributed-systems',
      rules: ['instances-share-state', 'init-idempotent', 'reservation-id-unique'],
    },
    ({ impl }) =>
      runScript(impl, { holdMs: HOLD_MS, instances: 2, seats: ['A1'] }, [
        addSeats(['B1', 'B2'], 1),
        reserve('B1', 'user-1', 0),
        reserve('B2', 'user-2', 1),
        reserve('A1', 'user-3', 1),
        reserve('B1', 'user-1', 1),
        confirm('B1', 'user-1', 1),
        reserve('B1', 'user-2', 0),
        release('B2', 'user-2', 0),
        release('B2', 'user-2', 1),
        reserve('B2', 'user-4', 0),
        init(1),
        init(0),
        startInstance(2),
        getSeat('B1', 2),
        reserve('A1', 'user-3', 2),
        confirm('A1', 'user-3', 2),
        getSeat('A1', 0),
      ]),
  );

  check(
    {
      id: 'add-seats-all-or-none',
      title: 'addSeats adds every seat or none, names the ids that exist, and takes an empty list',
      item: 'transactions',
      rules: ['add-seats', 'add-seats-all-or-none', 'seat-exists-names-ids', 'add-seats-empty'],
    },
    ({ impl }) =>
      runScript(impl, { holdMs: HOLD_MS, seats: [] }, [
        addSeats(['A1', 'A2', 'A3']),
        getSeat('A3'),
        addSeats(['B1', 'A2', 'B2']),
        getSeat('B1'),
        reserve('A1', 'user-1'),
        addSeats(['C1', 'A3', 'C2', 'A1']),
        getSeat('C2'),
        addSeats([]),
        addSeats(['C1', 'C2']),
        addSeats(['C2']),
        // A long list is one batch too, however the service splits its work: the existing id
        // comes last, and none of the 250 before it may stay.
        call({ kind: 'addSeats', seatIds: [...LONG_LIST, 'A2'] }, 'addSeats of 250 new ids "L0" to "L249", then "A2"'),
        getSeat('L0'),
        getSeat('L249'),
        call({ kind: 'addSeats', seatIds: LONG_LIST }, 'addSeats of the 250 new ids "L0" to "L249"'),
        reserve('L249', 'user-2'),
      ]),
  );

  check(
    {
      id: 'typed-errors',
      title: 'each failure is the exported error class with its code and the id it is about',
      item: 'api-design',
      rules: [
        'error-classes',
        'error-fields',
        'reserve-unknown-seat',
        'get-seat-unknown',
        'confirm-unknown',
        'release-unknown',
        'reserve-held-by-other',
        'seat-exists-names-ids',
        'confirm-hold-over',
      ],
    },
    ({ impl }) =>
      runScript(impl, { holdMs: HOLD_MS, seats: ['A1', 'A2'] }, [
        reserve('Z9', 'user-1'),
        getSeat('Z9'),
        call({ kind: 'confirm', reservationId: 'no-such-reservation' }, 'confirm("no-such-reservation")'),
        call({ kind: 'release', reservationId: 'no-such-reservation' }, 'release("no-such-reservation")'),
        reserve('A1', 'user-1'),
        reserve('A1', 'user-2'),
        addSeats(['N1', 'A1']),
        getSeat('N1'),
        untilExpiryOf('A1', 'user-1'),
        confirm('A1', 'user-1'),
      ]),
  );

  check(
    {
      id: 'bad-input',
      title:
        'every bad input the README lists throws a TypeError or RangeError naming the parameter and the value, and changes nothing',
      item: 'code-error-handling',
      redFlag: 'no-error-handling',
      rules: ['bad-seat-id', 'bad-user-id', 'bad-reservation-id', 'bad-seat-ids', 'bad-db', 'bad-hold-ms', 'bad-now'],
    },
    async ({ impl }) => {
      const deployment = await deploy(impl, { holdMs: HOLD_MS, startMs: Date.UTC(2026, 0, 1), instances: 1 });
      try {
        const world: World = { state: createModel(HOLD_MS, deployment.clock.now()), seatIds: ['A1'], userIds: [] };
        await runStep(world, deployment, 0, { kind: 'addSeats', seatIds: ['A1'] });
        await runStep(world, deployment, 0, { kind: 'reserveSeat', seatId: 'A1', userId: 'user-1' });
        for (const { call: badCall, say } of everyBadInput(deployment)) {
          try {
            await runStep(world, deployment, 0, badCall);
          } catch (error) {
            throw new Error(`bad ${say}: ${(error as Error).message}`, { cause: error });
          }
        }
      } finally {
        await deployment.close();
      }
    },
  );

  check(
    {
      id: 'no-partial-state',
      title: 'a call that fails between any two of its statements (a disk error) leaves nothing behind',
      item: 'transactions',
      weight: 2,
      redFlag: 'no-transaction-handling',
      timeoutMs: 20_000,
      rules: ['failures-leave-nothing'],
    },
    ({ impl }) =>
      withService(impl, { seats: ['A1'] }, async ({ testDb, service }) => {
        /** Fails the call's k-th statement (BEGIN and COMMIT included), for k = 1, 2, ... until the call has no k-th. */
        const underFaults = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
          for (let statement = 1; statement <= 40; statement++) {
            const before = await testDb.dump();
            const fault = testDb.injectFault({ when: faultTargets.everything, skip: statement - 1, times: 1 });
            const outcome = await settle(call);
            fault.remove();
            if (fault.fired === 0) {
              if (!outcome.ok) expect.fail(`${what} ${describeOutcome(outcome)} with no fault injected`);
              return outcome.value;
            }
            if (outcome.ok) continue;
            const difference = dumpDifference(before, await testDb.dump());
            expect(
              difference,
              `${what} failed at its statement #${statement} (an injected disk error) and left partial state: ${difference}`,
            ).toBe('');
          }
          return expect.fail(`${what} still ran statements after 40 injected failures`);
        };
        await underFaults('addSeats(["B1", "B2", "B3", "B4"])', () => service.addSeats(['B1', 'B2', 'B3', 'B4']));
        const hold = await underFaults('reserveSeat("A1", "user-1")', () => service.reserveSeat('A1', 'user-1'));
        await underFaults("confirm of user-1's hold", () => service.confirm(hold.reservationId));
        const other = await underFaults('reserveSeat("B1", "user-2")', () => service.reserveSeat('B1', 'user-2'));
        await underFaults("release of user-2's hold", () => service.release(other.reservationId));
        const sold = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(sold, `getSeat("A1") after the confirm shows ${show(sold)}`).toMatchObject({ status: 'confirmed' });
        const freed = await expectResolved(() => service.getSeat('B1'), 'getSeat("B1")');
        expect(freed.status, `getSeat("B1") after the release shows ${show(freed)}`).toBe('available');
      }),
  );

  check(
    {
      id: 'hot-lookup-indexed',
      title: 'with 2000 seats, no operation reads a whole table: every hot lookup uses an index (query plan)',
      item: 'database-optimization',
      redFlag: 'poor-database-design',
      timeoutMs: 20_000,
      rules: ['lookups-indexed'],
    },
    ({ impl }) =>
      withService(impl, {}, async ({ testDb, service, advance }) => {
        const seats = seatIds(2000);
        await service.addSeats(seats);
        const holds = await Promise.all(
          seats.slice(0, 300).map((seat, index) => service.reserveSeat(seat, `user-${index}`)),
        );
        await Promise.all(holds.slice(0, 100).map((hold) => service.confirm(hold.reservationId)));
        await Promise.all(holds.slice(100, 150).map((hold) => service.release(hold.reservationId)));
        await advance(HOLD_MS);
        await Promise.all(seats.slice(300, 400).map((seat, index) => service.reserveSeat(seat, `later-${index}`)));
        let fresh: Reservation | undefined;
        let takeover: Reservation | undefined;
        const operations: [string, () => Promise<unknown>][] = [
          ['reserveSeat of a free seat', async () => (fresh = await service.reserveSeat('S1500', 'user-x'))],
          ['reserveSeat retried by its holder', () => service.reserveSeat('S1500', 'user-x')],
          ['reserveSeat of a held seat', () => service.reserveSeat('S1500', 'user-y')],
          [
            'reserveSeat of a seat whose hold expired',
            async () => (takeover = await service.reserveSeat('S200', 'user-z')),
          ],
          ['getSeat', () => service.getSeat('S1500')],
          ['confirm', () => service.confirm(fresh!.reservationId)],
          ['release', () => service.release(takeover!.reservationId)],
        ];
        for (const [what, operation] of operations) {
          const recorder = testDb.record();
          await settle(operation);
          recorder.stop();
          const scans = await testDb.fullScans(recorder.statements, { minRows: 200 });
          const [scan] = scans;
          expect(
            scans.length,
            scan &&
              `${what} reads every row of ${scan.table} (${scan.rows} rows): ${scan.sql.replace(/\s+/g, ' ').trim()} -> ${scan.detail}`,
          ).toBe(0);
        }
      }),
  );
});
