/**
 * The model-based sequence over the worker: a worker on instance A whose handlers the spec
 * finishes one by one (or that return or throw at once), instance B enqueuing, claiming and
 * completing beside it, the clock moved to each poll, lease end, due time and grace deadline,
 * stop(), a crash of A and a new worker. After each step the handlers started, whether stop() has
 * resolved, and the whole queue (read through B) must equal the model's.
 */
import fc from 'fast-check';
import {
  command,
  expectOutcome,
  expectValue,
  settle,
  show,
  valueDifference,
  type ErrorClasses,
} from '../../harness/kit/index.ts';
import {
  freshToken,
  pairClaims,
  perform,
  predict,
  rememberToken,
  type KnownClaim,
  type Operation,
  type TokensSeen,
} from './expectations.ts';
import {
  Activity,
  Cluster,
  DEFAULTS,
  classesOf,
  deferred,
  expectQueueState,
  KEY_VOCABULARY,
  payloadArb,
  thrownArb,
  type Deferred,
  type DrawnQueueOptions,
  type Impl,
  type Instance,
  type Thrown,
} from './fixtures.ts';
import * as model from './model.ts';
import { pickClaim } from './queue-commands.ts';
import type * as Kata from './index.ts';

/** How a key's handler behaves, every time it runs. */
export type HandlerMode =
  { readonly kind: 'deferred' } | { readonly kind: 'returns' } | { readonly kind: 'throws'; readonly thrown: Thrown };

export const handlerModeArb: fc.Arbitrary<HandlerMode> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'deferred' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'returns' as const }) },
  { weight: 1, arbitrary: thrownArb.map((thrown) => ({ kind: 'throws' as const, thrown })) },
);

export interface DrawnWorkerOptions {
  readonly given: Kata.WorkerOptions;
  readonly effective: Omit<model.WorkerModelOptions, 'workerId'>;
}

export const workerOptionsArb: fc.Arbitrary<DrawnWorkerOptions> = fc
  .record({
    concurrency: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 3 }) }, fc.constant(undefined)),
    bufferSize: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 3 }) }, fc.constant(undefined)),
    pollIntervalMs: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(1, 10, 100, 2_000) },
      fc.integer({ min: 1, max: 100_000 }),
      fc.constant(model.MAX_DURATION_MS),
      fc.constant(undefined),
    ),
  })
  .map((drawn) => {
    const given: Record<string, number> = {};
    if (drawn.concurrency !== undefined) given.concurrency = drawn.concurrency;
    if (drawn.bufferSize !== undefined) given.bufferSize = drawn.bufferSize;
    if (drawn.pollIntervalMs !== undefined) given.pollIntervalMs = drawn.pollIntervalMs;
    return {
      given,
      effective: {
        concurrency: drawn.concurrency ?? DEFAULTS.concurrency,
        bufferSize: drawn.bufferSize ?? DEFAULTS.bufferSize,
        pollIntervalMs: drawn.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
      },
    };
  });

interface HandlerCall {
  readonly job: Kata.ClaimedJob;
  readonly deferred: Deferred<unknown> | undefined;
}

interface StopCall {
  resolved: boolean;
  readonly again: { resolved: boolean }[];
}

interface RealWorker {
  readonly worker: Kata.QueueWorker;
  readonly instance: Instance;
  stop: StopCall | undefined;
}

export interface WorkerReal {
  readonly impl: Impl;
  readonly classes: ErrorClasses;
  readonly cluster: Cluster;
  a: Instance;
  readonly b: Instance;
  readonly calls: HandlerCall[];
  readonly workers: RealWorker[];
  readonly modes: Map<string, HandlerMode>;
  handledCalls: number;
  /** Handler calls refused since the last step because the worker ran away (see makeHandler). */
  runawayCalls: number;
}

export interface WorkerModelRun {
  readonly state: model.QueueState;
  readonly options: model.QueueModelOptions;
  readonly worker: DrawnWorkerOptions;
  readonly keys: readonly string[];
  readonly sims: model.WorkerSimulation[];
  readonly startedSeen: number[];
  readonly tokens: TokensSeen;
  readonly claims: KnownClaim[];
  /** Model token -> the claim the handler received, for finishing that handler. */
  readonly handlerClaims: Map<string, HandlerCall>;
  readonly modes: Map<string, HandlerMode>;
}

function replaceState(target: model.QueueState, source: model.QueueState): void {
  for (const key of Object.keys(target.jobs)) delete (target.jobs as Record<string, unknown>)[key];
  Object.assign(target.jobs, model.cloneQueue(source).jobs);
  target.nextSeq = source.nextSeq;
  target.nextToken = source.nextToken;
}

function liveSim(m: WorkerModelRun): model.WorkerSimulation | undefined {
  const sim = m.sims.at(-1);
  return sim !== undefined && !sim.worker.stopped && !sim.worker.crashed ? sim : undefined;
}

function immediateEnd(modes: Map<string, HandlerMode>): model.ImmediateEnd {
  return (claim) => {
    const mode = modes.get(claim.key);
    if (mode?.kind === 'returns') return { ok: true };
    if (mode?.kind === 'throws') return { ok: false, error: mode.thrown.make() };
    return undefined;
  };
}

const byKeyThenAttempt = (a: { key: string; attempt: number }, b: { key: string; attempt: number }) =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : a.attempt - b.attempt;

/**
 * Waits until the instances are quiet, then compares: the handlers started since the last step,
 * whether each stop() has resolved, and the whole queue through instance B.
 */
async function sync(m: WorkerModelRun, r: WorkerReal, what: string): Promise<void> {
  await r.cluster.quiesce();
  const expected: model.ModelClaim[] = [];
  m.sims.forEach((sim, index) => {
    expected.push(...sim.started.slice(m.startedSeen[index]));
    m.startedSeen[index] = sim.started.length;
  });
  const actual = r.calls.slice(r.handledCalls);
  r.handledCalls = r.calls.length;
  if (r.runawayCalls > 0) {
    throw new Error(
      `after ${what}, the worker started more than ${actual.length} handlers in one step (${r.runawayCalls} more were held forever to stop it), expected ${expected.length}: it claims without waiting for a poll`,
    );
  }
  expected.sort(byKeyThenAttempt);
  const actualSorted = [...actual].sort((a, b) => byKeyThenAttempt(a.job, b.job));
  const describe = (list: readonly { key: string; attempt: number }[]) =>
    show(list.map((claim) => `${claim.key}#${claim.attempt}`));
  if (expected.length !== actualSorted.length || expected.some((claim, i) => claim.key !== actualSorted[i]!.job.key)) {
    throw new Error(
      `after ${what}, the worker started handlers for ${describe(actualSorted.map((call) => call.job))}, expected ${describe(expected)} (key#attempt)`,
    );
  }
  expected.forEach((claim, index) => {
    const call = actualSorted[index]!;
    const difference = valueDifference(
      call.job,
      { ...claim, token: freshToken(m.tokens, claim.key) },
      `the job handed to the handler`,
    );
    if (difference !== undefined) throw new Error(`after ${what}, ${difference}`);
    rememberToken(m.tokens, claim.key, call.job.token);
    m.handlerClaims.set(claim.token, call);
    m.claims.push({ actual: call.job, model: claim });
  });
  m.sims.forEach((sim, index) => {
    const stop = r.workers[index]!.stop;
    if (stop === undefined || sim.worker.crashed) return;
    const calls = [stop, ...stop.again];
    for (const [n, call] of calls.entries()) {
      if (call.resolved !== sim.worker.stopResolved) {
        const which = n === 0 ? 'stop()' : 'the second stop() call';
        throw new Error(
          `after ${what}, worker ${sim.worker.options.workerId}'s ${which} ${call.resolved ? 'has resolved' : 'has not resolved'}, expected it ${sim.worker.stopResolved ? 'to have resolved' : 'to be still waiting'} (${sim.worker.running.length} handler(s) running)`,
        );
      }
    }
  });
  await expectQueueState(
    r.b.queue,
    m.state,
    m.options,
    r.cluster.clock.now(),
    m.keys,
    `after ${what}, read through instance B`,
    r.classes,
  );
}

/** B (or A, while it is up) calls the queue directly; the model follows. */
async function direct(
  m: WorkerModelRun,
  r: WorkerReal,
  instance: Instance,
  operation: Operation,
  what: string,
  thrownValue?: unknown,
) {
  const outcome = await settle(() => perform(instance.queue, operation, thrownValue));
  const prediction = predict(m.state, m.options, r.cluster.clock.now(), operation, m.tokens, thrownValue);
  expectOutcome(outcome, prediction.expected, what, r.classes);
  replaceState(m.state, prediction.next);
  if (prediction.claims !== undefined && outcome.ok) {
    for (const pair of pairClaims(outcome.value, prediction.claims)) {
      m.claims.push(pair);
      rememberToken(m.tokens, pair.actual.key, pair.actual.token);
    }
  }
}

const enqueueCommand = command<
  WorkerModelRun,
  WorkerReal,
  { viaA: boolean; key: number; payload: string; priority: number; delayMs: number; mode: HandlerMode }
>({
  args: fc.record({
    viaA: fc.boolean(),
    key: fc.nat(),
    payload: payloadArb,
    priority: fc.constantFrom(0, 0, 5, -1),
    delayMs: fc.constantFrom(0, 0, 1, 100, 5_000),
    mode: handlerModeArb,
  }),
  describe: ({ viaA, key, payload, priority, delayMs, mode }) =>
    `${viaA ? 'A' : 'B'}.enqueue(key #${key}, ${show(payload)}, { priority: ${priority}, delayMs: ${delayMs} }) whose handler ${mode.kind === 'throws' ? `throws ${mode.thrown.label}` : mode.kind === 'returns' ? 'returns at once' : 'waits for the spec'}`,
  async run(m, r, args) {
    const key = m.keys[args.key % m.keys.length]!;
    if (!m.modes.has(key)) {
      m.modes.set(key, args.mode);
      r.modes.set(key, args.mode);
    }
    const instance = args.viaA && !r.a.crashed ? r.a : r.b;
    const operation: Operation = {
      kind: 'enqueue',
      key,
      payload: args.payload,
      options: { priority: args.priority, delayMs: args.delayMs },
    };
    await direct(m, r, instance, operation, `enqueue(${show(key)})`);
    await sync(m, r, `enqueue(${show(key)})`);
  },
});

const startCommand = command<WorkerModelRun, WorkerReal, null>({
  args: fc.constant(null),
  describe: () => 'A.startWorker(handler, options)',
  check: (m) => liveSim(m) === undefined,
  run: (m, r) => startWorker(m, r),
});

async function startWorker(m: WorkerModelRun, r: WorkerReal): Promise<void> {
  if (r.a.crashed) r.a = await r.cluster.open('instance A (restarted)');
  const workerId = `w${m.sims.length + 1}`;
  const { concurrency, bufferSize } = m.worker.effective;
  const worker = r.a.queue.startWorker(makeHandler(r, 4 * (concurrency + bufferSize) + 16), {
    ...m.worker.given,
    workerId,
  });
  r.workers.push({ worker, instance: r.a, stop: undefined });
  m.sims.push(
    new model.WorkerSimulation(
      m.state,
      m.options,
      { ...m.worker.effective, workerId },
      r.cluster.clock.now(),
      immediateEnd(m.modes),
    ),
  );
  m.startedSeen.push(0);
  expectOutcome(await settle(() => worker.workerId), expectValue(workerId), 'worker.workerId', r.classes);
  await sync(m, r, `startWorker (${workerId})`);
}

/**
 * `runawayLimit` is far above the handlers one step can start (a step is one poll, or one handler
 * finishing: at most bufferSize + concurrency jobs each). A worker that claims again whenever a
 * handler ends, with handlers that fail at once and a zero backoff, would otherwise loop on
 * microtasks for ever and starve every timer, the check's timeout included: past the limit each
 * call is held for ever, so the worker fills its slots, goes quiet, and the next step fails it.
 */
function makeHandler(r: WorkerReal, runawayLimit: number): Kata.JobHandler {
  const activity: Activity = r.cluster.activity;
  return (job) => {
    activity.bump();
    if (r.calls.length - r.handledCalls >= runawayLimit) {
      r.runawayCalls++;
      return new Promise<never>(() => {});
    }
    const mode = r.modes.get(job.key) ?? { kind: 'deferred' };
    if (mode.kind === 'returns') {
      r.calls.push({ job, deferred: undefined });
      return 'sent';
    }
    if (mode.kind === 'throws') {
      r.calls.push({ job, deferred: undefined });
      throw mode.thrown.make();
    }
    const pending = deferred<unknown>();
    r.calls.push({ job, deferred: pending });
    return pending.promise;
  };
}

/** Handlers that wait for the spec, across every worker that has not crashed. */
function waitingHandlers(m: WorkerModelRun): { sim: model.WorkerSimulation; claim: model.ModelClaim }[] {
  return m.sims.flatMap((sim) => (sim.worker.crashed ? [] : sim.worker.running.map((claim) => ({ sim, claim }))));
}

const finishCommand = command<
  WorkerModelRun,
  WorkerReal,
  { pick: number; end: { ok: true } | { ok: false; thrown: Thrown } }
>({
  args: fc.record({
    pick: fc.nat(),
    end: fc.oneof(
      { weight: 2, arbitrary: fc.constant({ ok: true as const }) },
      thrownArb.map((thrown) => ({ ok: false as const, thrown })),
    ),
  }),
  describe: ({ pick, end }) => `running handler #${pick} ${end.ok ? 'resolves' : `rejects with ${end.thrown.label}`}`,
  check: (m) => waitingHandlers(m).length > 0,
  async run(m, r, { pick, end }) {
    const waiting = waitingHandlers(m);
    const { sim, claim } = waiting[pick % waiting.length]!;
    const call = m.handlerClaims.get(claim.token)!;
    const what = `the handler of ${show(claim.key)} attempt ${claim.attempt} ${end.ok ? 'resolved' : 'rejected'}`;
    const error = end.ok ? undefined : end.thrown.make();
    if (end.ok) call.deferred!.resolve('sent');
    else call.deferred!.reject(error);
    await r.cluster.quiesce();
    sim.settle(claim, end.ok ? { ok: true } : { ok: false, error }, r.cluster.clock.now());
    await sync(m, r, what);
  },
});

const stopCommand = command<WorkerModelRun, WorkerReal, number | undefined>({
  args: fc.oneof(
    fc.constantFrom(0, 1, 1_000, model.MAX_DURATION_MS),
    fc.integer({ min: 0, max: 100_000 }),
    fc.constant(undefined),
  ),
  describe: (graceMs) => `worker.stop(${graceMs === undefined ? '' : `{ graceMs: ${graceMs} }`})`,
  check: (m) => (liveSim(m)?.held ?? 0) > 0,
  async run(m, r, graceMs) {
    const sim = liveSim(m)!;
    const real = r.workers[m.sims.indexOf(sim)]!;
    const stop: StopCall = { resolved: false, again: [] };
    real.stop = stop;
    void real.worker.stop(graceMs === undefined ? undefined : { graceMs }).then(() => {
      stop.resolved = true;
    });
    await r.cluster.quiesce();
    // A grace of 0 ms may be waited for with sleep(0), which the manual clock wakes on its next move.
    await r.cluster.clock.advance(0);
    const now = r.cluster.clock.now();
    sim.stop(graceMs ?? DEFAULTS.graceMs, now);
    sim.reach(now);
    await sync(m, r, `stop(${graceMs === undefined ? '' : `{ graceMs: ${graceMs} }`})`);
  },
});

const stopAgainCommand = command<WorkerModelRun, WorkerReal, null>({
  args: fc.constant(null),
  describe: () => 'worker.stop() again',
  check: (m) => {
    const sim = m.sims.at(-1);
    return sim !== undefined && sim.worker.stopped && !sim.worker.crashed;
  },
  async run(m, r) {
    const real = r.workers[m.sims.length - 1]!;
    const again = { resolved: false };
    real.stop!.again.push(again);
    void real.worker.stop().then(() => {
      again.resolved = true;
    });
    await sync(m, r, 'stop() again');
  },
});

const advanceCommand = command<
  WorkerModelRun,
  WorkerReal,
  { how: 'event' | 'boundary' | 'before' | 'after' | 'polls'; pick: number; polls: number }
>({
  args: fc.record({
    how: fc.constantFrom('event' as const, 'boundary' as const, 'before' as const, 'after' as const, 'polls' as const),
    pick: fc.nat(),
    polls: fc.constantFrom(0.5, 1, 3),
  }),
  describe: ({ how, pick, polls }) =>
    how === 'event'
      ? "move the clock to the worker's next poll or grace deadline"
      : how === 'polls'
        ? `advance the clock by ${polls} poll interval(s)`
        : `move the clock to ${how} boundary #${pick}`,
  async run(m, r, { how, pick, polls }) {
    const now = r.cluster.clock.now();
    const interval = m.worker.effective.pollIntervalMs;
    let target: number | undefined;
    if (how === 'event') {
      target = m.sims
        .map((sim) => sim.nextEvent())
        .filter((at): at is number => at !== undefined)
        .sort((a, b) => a - b)[0];
    } else if (how === 'polls') {
      target = now + Math.max(1, Math.floor(interval * polls));
    } else {
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
      const boundary = boundaries[pick % Math.max(1, boundaries.length)];
      if (boundary !== undefined)
        target = how === 'boundary' ? boundary : how === 'before' ? boundary - 1 : boundary + 1;
    }
    if (target === undefined || target < now) return;
    // Never more than 50 polls in one step: a 1 ms poll interval and a day-long lease would take forever.
    target = Math.min(target, now + 50 * interval);
    await advanceTo(m, r, target);
  },
});

/** Moves the clock to `target`, stopping at every poll and grace deadline on the way. */
async function advanceTo(m: WorkerModelRun, r: WorkerReal, target: number): Promise<void> {
  for (;;) {
    const now = r.cluster.clock.now();
    const next = m.sims
      .map((sim) => sim.nextEvent())
      .filter((at): at is number => at !== undefined && at <= target)
      .sort((a, b) => a - b)[0];
    if (next === undefined) break;
    await r.cluster.clock.advance(Math.max(0, next - now));
    await r.cluster.quiesce();
    for (const sim of m.sims) sim.reach(next);
    await sync(m, r, `the clock reached ${new Date(next).toISOString()}`);
  }
  const now = r.cluster.clock.now();
  if (target > now) {
    await r.cluster.clock.advance(target - now);
    await sync(m, r, `the clock reached ${new Date(target).toISOString()}`);
  }
}

const directCommand = command<
  WorkerModelRun,
  WorkerReal,
  { kind: 'claim' | 'complete' | 'fail' | 'release'; pick: number; limit: number; thrown: Thrown }
>({
  args: fc.record({
    kind: fc.constantFrom('claim' as const, 'complete' as const, 'fail' as const, 'release' as const),
    pick: fc.nat(),
    limit: fc.integer({ min: 1, max: 3 }),
    thrown: thrownArb,
  }),
  describe: ({ kind, pick, limit, thrown }) =>
    kind === 'claim'
      ? `B.claim('other', ${limit})`
      : `B.${kind}(known claim #${pick}${kind === 'fail' ? `, ${thrown.label}` : ''})`,
  async run(m, r, { kind, pick, limit, thrown }) {
    let operation: Operation;
    if (kind === 'claim') operation = { kind: 'claim', workerId: 'other', limit };
    else {
      const claim = pickClaim(m, pick, pick % 3 === 0 ? 'live' : pick % 3 === 1 ? 'superseded' : 'any');
      if (claim === undefined) return;
      operation = kind === 'fail' ? { kind, claim, thrown } : { kind, claim };
    }
    const thrownValue = operation.kind === 'fail' ? thrown.make() : undefined;
    const what = `B.${operation.kind}(...)`;
    await direct(m, r, r.b, operation, what, thrownValue);
    await sync(m, r, what);
  },
});

const crashCommand = command<WorkerModelRun, WorkerReal, null>({
  args: fc.constant(null),
  describe: () => 'instance A crashes (its worker dies with it)',
  check: (m) => (liveSim(m)?.held ?? 0) > 0,
  async run(m, r) {
    r.cluster.crash(r.a);
    for (const sim of m.sims) if (r.workers[m.sims.indexOf(sim)]!.instance === r.a) sim.crash();
    await sync(m, r, 'the crash of instance A');
  },
});

/** stop() and the crash only once the worker holds something; a new worker starts soon after either. */
export const workerCommands = [
  enqueueCommand,
  enqueueCommand,
  enqueueCommand,
  enqueueCommand,
  finishCommand,
  finishCommand,
  finishCommand,
  finishCommand,
  advanceCommand,
  advanceCommand,
  advanceCommand,
  directCommand,
  stopCommand,
  stopAgainCommand,
  startCommand,
  startCommand,
  startCommand,
  crashCommand,
];

/** The worker pool's keys: more than a handful, so buffers fill. */
export const workerKeyPool = fc.shuffledSubarray([...KEY_VOCABULARY], { minLength: 4, maxLength: 8 });

export async function setupWorkerRun(
  impl: Impl,
  seed: number,
  options: DrawnQueueOptions,
  worker: DrawnWorkerOptions,
  keys: readonly string[],
): Promise<{ model: WorkerModelRun; real: WorkerReal }> {
  const cluster = Cluster.create(impl, { seed, queue: options.given, random: options.effective.random });
  const a = await cluster.open('instance A');
  const b = await cluster.open('instance B');
  const modes = new Map<string, HandlerMode>();
  const m: WorkerModelRun = {
    state: model.emptyQueue(),
    options: options.effective,
    worker,
    keys,
    sims: [],
    startedSeen: [],
    tokens: new Map(),
    claims: [],
    handlerClaims: new Map(),
    modes: new Map(),
  };
  const real: WorkerReal = {
    impl,
    classes: classesOf(impl),
    cluster,
    a,
    b,
    calls: [],
    workers: [],
    modes,
    handledCalls: 0,
    runawayCalls: 0,
  };
  await startWorker(m, real);
  return { model: m, real };
}
