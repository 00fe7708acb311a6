/**
 * The model-based sequence over the queue API: two app instances on one file, one manual clock,
 * every operation (and bad input, init() again, a restart, a database fault or a crash in the
 * middle of an operation) drawn as a command. After each step the whole queue, read through the
 * other instance, must equal the model's.
 */
import fc from 'fast-check';
import {
  command,
  expectError,
  expectOutcome,
  expectValue,
  settle,
  show,
  type ErrorClasses,
  type Outcome,
} from '../../harness/kit/index.ts';
import {
  BAD_CALLS,
  badCallArb,
  describeOperation,
  pairClaims,
  perform,
  predict,
  rememberToken,
  type KnownClaim,
  type Operation,
  type TokensSeen,
} from './expectations.ts';
import {
  Cluster,
  classesOf,
  expectQueueState,
  injectAt,
  payloadArb,
  thrownArb,
  type Impl,
  type Instance,
  type QueueOptions,
  type Thrown,
} from './fixtures.ts';
import * as model from './model.ts';

export interface QueueModel {
  state: model.QueueState;
  readonly options: model.QueueModelOptions;
  readonly keys: readonly string[];
  readonly claims: KnownClaim[];
  readonly tokens: TokensSeen;
  /** Whole-queue reads so far: which kind of read goes first rotates with it. */
  reads: number;
}

export interface QueueReal {
  readonly impl: Impl;
  readonly classes: ErrorClasses;
  readonly cluster: Cluster;
  /** Two app instances; a restart replaces one in place. */
  readonly instances: Instance[];
}

/** A key never enqueued: getJob must answer undefined for it. */
export const UNKNOWN_KEY = 'never-enqueued';

/** What an operation is drawn as, before it meets the model's state (claim indexes, keys). */
type OperationDraw =
  | { readonly kind: 'enqueue'; readonly key: number; readonly payload: string; readonly options: EnqueueDraw }
  | { readonly kind: 'claim'; readonly worker: string; readonly limit: number | undefined }
  | { readonly kind: 'complete' | 'release'; readonly claim: number; readonly live: ClaimChoice }
  | { readonly kind: 'fail'; readonly claim: number; readonly live: ClaimChoice; readonly thrown: Thrown }
  | { readonly kind: 'replay'; readonly key: number }
  | { readonly kind: 'getJob'; readonly key: number }
  | { readonly kind: 'stats' }
  | { readonly kind: 'listDeadLetters' };

type EnqueueDraw = { readonly priority?: number; readonly delayMs?: number } | undefined;

const enqueueOptionsArb: fc.Arbitrary<EnqueueDraw> = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      priority: fc.oneof(
        fc.constantFrom(-5, 0, 3, 10),
        fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
      ),
      delayMs: fc.oneof(fc.constantFrom(0, 1, 500, 2_000, 60_000), fc.constant(model.MAX_DURATION_MS)),
    },
    { requiredKeys: [] },
  ),
);

/**
 * Which claim a complete, fail or release uses: mostly one that still holds its job; often one
 * whose job another claim holds now (a worker waking up late); now and then any claim seen.
 */
export type ClaimChoice = 'live' | 'superseded' | 'any';
const liveArb: fc.Arbitrary<ClaimChoice> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('live' as const) },
  { weight: 3, arbitrary: fc.constant('superseded' as const) },
  { weight: 1, arbitrary: fc.constant('any' as const) },
);

const workerIdArb = fc.constantFrom('worker-a', 'worker-b', 'W', 'w \u{1F680}');

export const operationDrawArb: fc.Arbitrary<OperationDraw> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('enqueue' as const),
      key: fc.nat(),
      payload: payloadArb,
      options: enqueueOptionsArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('claim' as const),
      worker: workerIdArb,
      limit: fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 4 }), fc.constant(1000)),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('complete' as const), claim: fc.nat(), live: liveArb }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('fail' as const), claim: fc.nat(), live: liveArb, thrown: thrownArb }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), claim: fc.nat(), live: liveArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), key: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('getJob' as const), key: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'stats' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'listDeadLetters' as const }) },
);

/** A claim of the kind asked for, when there is one, else any claim seen. */
export function pickClaim(
  m: Pick<QueueModel, 'state' | 'claims'>,
  index: number,
  choice: ClaimChoice,
): KnownClaim | undefined {
  const holds = (claim: KnownClaim) => {
    const job = m.state.jobs[claim.model.key];
    return job !== undefined && job.status === 'running' && job.token === claim.model.token;
  };
  const superseded = (claim: KnownClaim) => {
    const job = m.state.jobs[claim.model.key];
    return job !== undefined && job.status === 'running' && job.token !== claim.model.token;
  };
  const wanted =
    choice === 'live' ? m.claims.filter(holds) : choice === 'superseded' ? m.claims.filter(superseded) : [];
  const from = wanted.length > 0 ? wanted : m.claims;
  return from.length === 0 ? undefined : from[index % from.length];
}

/** Turns a draw into an operation on this run's keys and claims; undefined when it needs a claim and none exists. */
export function resolveDraw(draw: OperationDraw, m: QueueModel): Operation | undefined {
  const keyAt = (index: number) => [...m.keys, UNKNOWN_KEY][index % (m.keys.length + 1)]!;
  switch (draw.kind) {
    case 'enqueue': {
      const options = draw.options;
      return {
        kind: 'enqueue',
        key: m.keys[draw.key % m.keys.length]!,
        payload: draw.payload,
        ...(options === undefined ? {} : { options }),
      };
    }
    case 'claim':
      return { kind: 'claim', workerId: draw.worker, limit: draw.limit };
    case 'complete':
    case 'release':
    case 'fail': {
      const claim = pickClaim(m, draw.claim, draw.live);
      if (claim === undefined) return undefined;
      return draw.kind === 'fail' ? { kind: 'fail', claim, thrown: draw.thrown } : { kind: draw.kind, claim };
    }
    case 'replay':
      return { kind: 'replay', key: keyAt(draw.key) };
    case 'getJob':
      return { kind: 'getJob', key: keyAt(draw.key) };
    case 'stats':
    case 'listDeadLetters':
      return { kind: draw.kind };
  }
}

function describeDraw(draw: OperationDraw): string {
  switch (draw.kind) {
    case 'enqueue':
      return `enqueue(key #${draw.key}, ${show(draw.payload)}${draw.options === undefined ? '' : `, ${show(draw.options)}`})`;
    case 'claim':
      return `claim(${show(draw.worker)}${draw.limit === undefined ? '' : `, ${draw.limit}`})`;
    case 'complete':
    case 'release':
      return `${draw.kind}(${draw.live} claim #${draw.claim})`;
    case 'fail':
      return `fail(${draw.live} claim #${draw.claim}, ${draw.thrown.label})`;
    case 'replay':
      return `replayDeadLetter(key #${draw.key})`;
    case 'getJob':
      return `getJob(key #${draw.key})`;
    default:
      return `${draw.kind}()`;
  }
}

function instanceName(index: number): string {
  return index === 0 ? 'A' : 'B';
}

/** Reads the whole queue through the instance that did not take the step. */
async function compareState(m: QueueModel, r: QueueReal, stepInstance: number): Promise<void> {
  const reader = r.instances[1 - stepInstance]!;
  await expectQueueState(
    reader.queue,
    m.state,
    m.options,
    r.cluster.clock.now(),
    [...m.keys, UNKNOWN_KEY],
    `then, read through instance ${instanceName(1 - stepInstance)}`,
    r.classes,
    m.reads++,
  );
}

/** Accepts what the call did, if the model allows it; remembers new claims. */
export function accept(
  m: QueueModel,
  operation: Operation,
  outcome: Outcome<unknown>,
  what: string,
  r: Pick<QueueReal, 'cluster' | 'classes'>,
  thrownValue: unknown,
): void {
  const prediction = predict(m.state, m.options, r.cluster.clock.now(), operation, m.tokens, thrownValue);
  expectOutcome(outcome, prediction.expected, what, r.classes);
  m.state = prediction.next;
  if (prediction.claims !== undefined && outcome.ok) {
    for (const pair of pairClaims(outcome.value, prediction.claims)) {
      m.claims.push(pair);
      rememberToken(m.tokens, pair.actual.key, pair.actual.token);
    }
  }
}

async function restart(r: QueueReal, index: number): Promise<void> {
  const old = r.instances[index]!;
  if (!old.crashed) r.cluster.crash(old);
  r.instances[index] = await r.cluster.open(`instance ${instanceName(index)} (restarted)`);
}

const instanceArb = fc.integer({ min: 0, max: 1 });

const callCommand = command<QueueModel, QueueReal, { instance: number; draw: OperationDraw }>({
  args: fc.record({ instance: instanceArb, draw: operationDrawArb }),
  describe: ({ instance, draw }) => `${instanceName(instance)}.${describeDraw(draw)}`,
  async run(m, r, { instance, draw }) {
    const operation = resolveDraw(draw, m);
    if (operation === undefined) return;
    const thrownValue = operation.kind === 'fail' ? operation.thrown.make() : undefined;
    const outcome = await settle(() => perform(r.instances[instance]!.queue, operation, thrownValue));
    accept(m, operation, outcome, `${instanceName(instance)}.${describeOperation(operation)}`, r, thrownValue);
    await compareState(m, r, instance);
  },
});

/** Moves the clock: exactly to the next lease end or due time, a millisecond either side, or by a drawn amount. */
const advanceCommand = command<
  QueueModel,
  QueueReal,
  { how: 'boundary' | 'before' | 'after' | 'by'; pick: number; ms: number }
>({
  args: fc.record({
    how: fc.constantFrom('boundary' as const, 'before' as const, 'after' as const, 'by' as const),
    pick: fc.nat(),
    ms: fc.oneof(fc.constantFrom(0, 1, 999, 2_000, 60_000, 300_000), fc.constant(model.MAX_DURATION_MS)),
  }),
  describe: ({ how, pick, ms }) =>
    how === 'by' ? `advance the clock by ${ms} ms` : `move the clock to ${how} boundary #${pick}`,
  async run(m, r, { how, pick, ms }) {
    const now = r.cluster.clock.now();
    let target = now + ms;
    if (how !== 'by') {
      const boundaries = [
        ...new Set(
          Object.values(m.state.jobs)
            .flatMap((job) => [
              job.status === 'running' ? job.leaseExpiresAt : null,
              job.status === 'pending' ? job.runAt : null,
            ])
            .filter((at): at is number => at !== null && at > now),
        ),
      ].sort((a, b) => a - b);
      if (boundaries.length === 0) return;
      const boundary = boundaries[pick % boundaries.length]!;
      target = how === 'boundary' ? boundary : how === 'before' ? boundary - 1 : boundary + 1;
    }
    await r.cluster.clock.advance(Math.max(0, target - now));
    await compareState(m, r, pick % 2);
  },
});

/** Moves the clock to the next time something becomes due again (a due time or a lease end), then claims. */
const advanceAndClaimCommand = command<QueueModel, QueueReal, { instance: number; worker: string; limit: number }>({
  args: fc.record({ instance: instanceArb, worker: workerIdArb, limit: fc.integer({ min: 1, max: 3 }) }),
  describe: ({ instance, worker, limit }) =>
    `move the clock to the next due time or lease end, then ${instanceName(instance)}.claim(${show(worker)}, ${limit})`,
  async run(m, r, { instance, worker, limit }) {
    const now = r.cluster.clock.now();
    const next = Object.values(m.state.jobs)
      .map((job) => (job.status === 'running' ? job.leaseExpiresAt : job.status === 'pending' ? job.runAt : null))
      .filter((at): at is number => at !== null && at > now)
      .sort((a, b) => a - b)[0];
    if (next !== undefined) await r.cluster.clock.advance(next - now);
    const operation: Operation = { kind: 'claim', workerId: worker, limit };
    const outcome = await settle(() => perform(r.instances[instance]!.queue, operation));
    accept(m, operation, outcome, `${instanceName(instance)}.${describeOperation(operation)}`, r, undefined);
    await compareState(m, r, instance);
  },
});

/**
 * Moves one job one step along its life, whatever it is now: enqueue it, wait for it to be due and
 * claim, complete or fail or release or outlive its lease, replay it once dead. Random commands
 * alone rarely take one job through five transitions; this does, in a handful of steps.
 */
const progressCommand = command<
  QueueModel,
  QueueReal,
  { instance: number; key: number; action: 'complete' | 'fail' | 'release' | 'expire'; thrown: Thrown }
>({
  args: fc.record({
    instance: instanceArb,
    key: fc.nat(),
    action: fc.oneof(
      { weight: 2, arbitrary: fc.constant('complete' as const) },
      { weight: 4, arbitrary: fc.constant('fail' as const) },
      { weight: 1, arbitrary: fc.constant('release' as const) },
      { weight: 2, arbitrary: fc.constant('expire' as const) },
    ),
    thrown: thrownArb,
  }),
  describe: ({ instance, key, action, thrown }) =>
    `${instanceName(instance)} moves key #${key} one step on (a running job is ${action === 'fail' ? `failed with ${thrown.label}` : action === 'expire' ? 'left until its lease ends' : `${action}d`})`,
  async run(m, r, { instance, key: keyIndex, action, thrown }) {
    const key = m.keys[keyIndex % m.keys.length]!;
    const now = r.cluster.clock.now();
    const job = model.getJob(model.cloneQueue(m.state), m.options, now, key);
    const queue = r.instances[instance]!.queue;
    const run = async (operation: Operation, thrownValue?: unknown) => {
      const outcome = await settle(() => perform(queue, operation, thrownValue));
      accept(m, operation, outcome, `${instanceName(instance)}.${describeOperation(operation)}`, r, thrownValue);
    };
    if (job === undefined || job.status === 'completed') {
      await run({ kind: 'enqueue', key, payload: 'again' });
    } else if (job.status === 'dead') {
      await run({ kind: 'replay', key });
    } else if (job.status === 'pending') {
      if (job.runAt.getTime() > now) await r.cluster.clock.advance(job.runAt.getTime() - now);
      await run({ kind: 'claim', workerId: 'progress', limit: 1 });
    } else {
      const held = m.claims.find((claim) => claim.model.token === m.state.jobs[key]!.token);
      if (action === 'expire' || held === undefined) {
        await r.cluster.clock.advance(job.leaseExpiresAt!.getTime() - now);
      } else if (action === 'fail') {
        const operation: Operation = { kind: 'fail', claim: held, thrown };
        await run(operation, thrown.make());
      } else {
        await run({ kind: action, claim: held });
      }
    }
    await compareState(m, r, instance);
  },
});

const initCommand = command<QueueModel, QueueReal, number>({
  args: instanceArb,
  describe: (instance) => `${instanceName(instance)}.init() again`,
  async run(m, r, instance) {
    expectOutcome(
      await settle(() => r.instances[instance]!.queue.init()),
      expectValue(undefined),
      `${instanceName(instance)}.init() again`,
      r.classes,
    );
    await compareState(m, r, instance);
  },
});

const restartCommand = command<QueueModel, QueueReal, number>({
  args: instanceArb,
  describe: (instance) => `instance ${instanceName(instance)} stops and a new one starts on the same file (init())`,
  async run(m, r, instance) {
    await restart(r, instance);
    await compareState(m, r, instance);
  },
});

const badCallCommand = command<QueueModel, QueueReal, { instance: number; index: number }>({
  args: fc.record({ instance: instanceArb, index: badCallArb }),
  describe: ({ instance, index }) => `${instanceName(instance)}.${BAD_CALLS[index]!.describe}`,
  async run(m, r, { instance, index }) {
    const bad = BAD_CALLS[index]!;
    const outcome = await settle(() => bad.call(r.instances[instance]!.queue));
    expectOutcome(
      outcome,
      expectError(bad.error, { mentions: bad.mentions }),
      `${instanceName(instance)}.${bad.describe}`,
      r.classes,
    );
    await compareState(m, r, instance);
  },
});

/**
 * The database fails (or the instance crashes) at the k-th statement of an operation. A call that
 * rejected changed nothing; a crashed call leaves the state before or after it; a call that
 * resolved did exactly what the model says.
 */
const faultCommand = command<
  QueueModel,
  QueueReal,
  { instance: number; draw: OperationDraw; skip: number; effect: 'error' | 'crash-before' | 'crash-after' }
>({
  args: fc.record({
    instance: instanceArb,
    draw: operationDrawArb,
    skip: fc.integer({ min: 0, max: 8 }),
    effect: fc.constantFrom('error' as const, 'crash-before' as const, 'crash-after' as const),
  }),
  describe: ({ instance, draw, skip, effect }) =>
    `${instanceName(instance)}.${describeDraw(draw)} with ${effect === 'error' ? 'a database error' : `a ${effect}`} at its statement ${skip + 1}`,
  async run(m, r, { instance, draw, skip, effect }) {
    const operation = resolveDraw(draw, m);
    if (operation === undefined) return;
    const target = r.instances[instance]!;
    const what = `${instanceName(instance)}.${describeOperation(operation)}`;
    const fault = injectAt(target, effect, skip);
    const thrownValue = operation.kind === 'fail' ? operation.thrown.make() : undefined;
    let outcome: Outcome<unknown> | undefined;
    const call = settle(() => perform(target.queue, operation, thrownValue)).then((settled) => {
      outcome = settled;
    });
    if (effect === 'error') await call;
    else await r.cluster.quiesce();
    fault.remove();
    const fired = fault.fired();
    const crashed = effect !== 'error' && fired;
    const reader = 1 - instance;
    if (outcome !== undefined) {
      if (!outcome.ok && fired) {
        // Rejected by the fault: nothing may have changed.
        await compareStateAgainst(m.state, m, r, reader, `after ${what} rejected, `);
      } else {
        accept(m, operation, outcome, `${what} (the fault ${fired ? 'hit' : 'never hit'})`, r, thrownValue);
        await compareStateAgainst(m.state, m, r, reader, '');
      }
      if (crashed) await restart(r, instance);
      return;
    }
    // Crashed mid-call: the state is the model's before or after the call, never in between.
    await restart(r, instance);
    const prediction = predict(m.state, m.options, r.cluster.clock.now(), operation, m.tokens, thrownValue);
    const asAfter = await settle(() => compareStateAgainst(prediction.next, m, r, reader, ''));
    if (asAfter.ok) {
      m.state = prediction.next;
      return;
    }
    const asBefore = await settle(() => compareStateAgainst(m.state, m, r, reader, ''));
    if (!asBefore.ok) {
      throw new Error(
        `after ${what} crashed at its statement ${skip + 1}, the queue is neither as before the call nor as after it: ${(asAfter.error as Error).message}`,
      );
    }
  },
});

async function compareStateAgainst(
  state: model.QueueState,
  m: QueueModel,
  r: QueueReal,
  readerIndex: number,
  context: string,
): Promise<void> {
  await expectQueueState(
    r.instances[readerIndex]!.queue,
    state,
    m.options,
    r.cluster.clock.now(),
    [...m.keys, UNKNOWN_KEY],
    `${context}read through instance ${instanceName(readerIndex)}`,
    r.classes,
    m.reads++,
  );
}

export const queueCommands = [
  progressCommand,
  progressCommand,
  progressCommand,
  callCommand,
  callCommand,
  callCommand,
  advanceCommand,
  advanceAndClaimCommand,
  initCommand,
  restartCommand,
  badCallCommand,
  faultCommand,
];

export async function setupQueueRun(
  impl: Impl,
  seed: number,
  options: { readonly given: QueueOptions; readonly effective: model.QueueModelOptions },
  keys: readonly string[],
): Promise<{ model: QueueModel; real: QueueReal }> {
  const cluster = Cluster.create(impl, { seed, queue: options.given, random: options.effective.random });
  const real: QueueReal = { impl, classes: classesOf(impl), cluster, instances: [] };
  real.instances.push(await cluster.open('instance A'), await cluster.open('instance B'));
  return {
    model: { state: model.emptyQueue(), options: options.effective, keys, claims: [], tokens: new Map(), reads: 0 },
    real,
  };
}
