/**
 * The job-queue spec. The rules are in kata.json (`rules`) and README.md; the model is model.ts;
 * fixtures.ts holds the app instances, the generators and the whole-queue comparison. Read the
 * checks in this order: the model-based sequences (queue, then worker), the concurrent histories,
 * the headline races and runs across worker threads, faults and crashes between statements, then
 * the named scenarios.
 */
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { createTestDatabase, faultTargets, openTestDatabase } from '../../harness/kit/db/index.ts';
import {
  createHistory,
  createManualClock,
  defineSpec,
  DEFAULT_CLOCK_START_MS,
  expectError,
  expectOutcome,
  expectValue,
  runCommands,
  settle,
  show,
  startStaggered,
  type Outcome,
} from '../../harness/kit/index.ts';
import { createSharedClock, runWorkers, runWorkersWithCrash } from '../../harness/kit/workers/index.ts';
import type {
  AppInstanceArgs,
  ClaimRaceArgs,
  EnqueueRaceArgs,
  HistoryArgs,
  RecordedCall,
  RunJobsArgs,
  RunJobsResult,
  Settled,
} from './app-instance.ts';
import { BAD_CALLS, describeOperation, mentionsKey, perform, predict, type Operation } from './expectations.ts';
import {
  Cluster,
  DEFAULTS,
  casesOn,
  KEY_VOCABULARY,
  MAX_MS,
  classesOf,
  deferred,
  dumpDifference,
  expectQueueState,
  injectAt,
  keyPool,
  nextTurn,
  payloadArb,
  queueOptionsArb,
  type Impl,
  type Instance,
} from './fixtures.ts';
import { assertQueueLinearizable, reviveError, type HistoryState } from './histories.ts';
import { performInput, type HistoryInput } from './history-input.ts';
import * as model from './model.ts';
import {
  accept,
  operationDrawArb,
  queueCommands,
  resolveDraw,
  setupQueueRun,
  type QueueModel,
} from './queue-commands.ts';
import { THROWN_VALUES } from './thrown.ts';
import { setupWorkerRun, workerCommands, workerKeyPool, workerOptionsArb } from './worker-commands.ts';
import type * as Kata from './index.ts';

const appInstanceFile = fileURLToPath(new URL('./app-instance.ts', import.meta.url));

const ALL_QUEUE_RULES = [
  'init-idempotent',
  'enqueue-creates',
  'enqueue-idempotent',
  'keys-exact',
  'get-job',
  'stats',
  'claim-due',
  'claim-order',
  'claim-fields',
  'lease-expiry',
  'lease-expiry-dead',
  'fencing-token',
  'complete',
  'fail-retry',
  'backoff',
  'error-text',
  'dead-letter',
  'list-dead-letters',
  'replay',
  'replay-errors',
  'release',
  'atomic-operations',
  'bad-arguments',
] as const;

/** Runs the operation, compares it with the model, and keeps the model in step (prefixes, scenarios). */
async function step(
  m: QueueModel,
  cluster: Cluster,
  instance: Instance,
  operation: Operation,
  impl: Impl,
): Promise<Outcome<unknown>> {
  const thrownValue = operation.kind === 'fail' ? operation.thrown.make() : undefined;
  const outcome = await settle(() => perform(instance.queue, operation, thrownValue));
  accept(
    m,
    operation,
    outcome,
    `${instance.name}.${describeOperation(operation)}`,
    { cluster, classes: classesOf(impl) },
    thrownValue,
  );
  return outcome;
}

function freshModel(options: model.QueueModelOptions, keys: readonly string[]): QueueModel {
  return { state: model.emptyQueue(), options, keys, claims: [], tokens: new Map(), reads: 0 };
}

const SIMPLE_OPTIONS: model.QueueModelOptions = {
  leaseMs: 60_000,
  maxAttempts: 3,
  backoffBaseMs: 1_000,
  backoffCapMs: 3_600_000,
  jitter: 'none',
  random: 0.5,
};
const SIMPLE_GIVEN = { leaseMs: 60_000, maxAttempts: 3, backoffBaseMs: 1_000 };

/** The README's defaults, as the model runs them. */
const DEFAULT_OPTIONS: model.QueueModelOptions = {
  leaseMs: DEFAULTS.leaseMs,
  maxAttempts: DEFAULTS.maxAttempts,
  backoffBaseMs: DEFAULTS.backoffBaseMs,
  backoffCapMs: DEFAULTS.backoffCapMs,
  jitter: 'none',
  random: 0.5,
};

/** Draws for a prefix that builds some state: operations, and now and then the clock moving. */
const prefixArb = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: operationDrawArb.map((draw) => ({ draw })) },
    { weight: 1, arbitrary: fc.constantFrom(1, 1_000, 60_000).map((ms) => ({ advance: ms })) },
  ),
  { maxLength: 10 },
);

type BatchDraw =
  | { readonly kind: 'enqueue'; readonly key: number; readonly payload: string; readonly priority: number }
  | { readonly kind: 'claim'; readonly worker: number; readonly limit: number }
  | { readonly kind: 'complete' | 'release'; readonly claim: number }
  | { readonly kind: 'fail'; readonly claim: number; readonly thrown: number }
  | { readonly kind: 'replay' | 'getJob'; readonly key: number }
  | { readonly kind: 'stats' | 'listDeadLetters' | 'init' };

const batchDrawArb: fc.Arbitrary<BatchDraw> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('enqueue' as const),
      key: fc.nat(),
      payload: fc.constantFrom('a', 'b'),
      priority: fc.constantFrom(0, 5),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('claim' as const),
      worker: fc.nat(3),
      limit: fc.integer({ min: 1, max: 2 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constantFrom('complete' as const, 'release' as const), claim: fc.nat() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fail' as const),
      claim: fc.nat(),
      thrown: fc.nat(THROWN_VALUES.length - 1),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('replay' as const, 'getJob' as const), key: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constantFrom('stats' as const, 'listDeadLetters' as const, 'init' as const) }),
  },
);

function toInput(draw: BatchDraw, instance: string, m: QueueModel): HistoryInput | undefined {
  const key = (index: number) => m.keys[index % m.keys.length]!;
  switch (draw.kind) {
    case 'enqueue':
      return { instance, kind: 'enqueue', key: key(draw.key), payload: draw.payload, priority: draw.priority };
    case 'claim':
      return { instance, kind: 'claim', workerId: `w${draw.worker}`, limit: draw.limit };
    case 'complete':
    case 'release':
    case 'fail': {
      if (m.claims.length === 0) return undefined;
      const known = m.claims[draw.claim % m.claims.length]!;
      const claim = { actual: known.actual, modelToken: known.model.token };
      return draw.kind === 'fail'
        ? { instance, kind: 'fail', claim, thrown: draw.thrown }
        : { instance, kind: draw.kind, claim };
    }
    case 'replay':
    case 'getJob':
      return { instance, kind: draw.kind, key: key(draw.key) };
    default:
      return { instance, kind: draw.kind };
  }
}

/** The reads after a concurrent batch, recorded in the history so the checker must explain them too. */
function finalReads(keys: readonly string[], instance: string): HistoryInput[] {
  return [
    ...keys.map((key): HistoryInput => ({ instance, kind: 'getJob', key })),
    { instance, kind: 'listDeadLetters' },
    { instance, kind: 'stats' },
  ];
}

/** Builds state sequentially on instance A, comparing every step with the model. */
async function runPrefix(
  m: QueueModel,
  cluster: Cluster,
  instance: Instance,
  prefix: readonly ({ draw: Parameters<typeof resolveDraw>[0] } | { advance: number })[],
  impl: Impl,
): Promise<void> {
  for (const item of prefix) {
    if ('advance' in item) {
      await cluster.clock.advance(item.advance);
      continue;
    }
    const operation = resolveDraw(item.draw, m);
    if (operation !== undefined) await step(m, cluster, instance, operation, impl);
  }
}

function historyState(m: QueueModel): HistoryState {
  const tokens: Record<string, string[]> = {};
  for (const [key, set] of m.tokens) tokens[key] = [...set].sort();
  return { queue: model.cloneQueue(m.state), tokens };
}

export default defineSpec<Impl>('job-queue', ({ check }) => {
  // -------------------------------------------------------------------------------------------
  // The model-based sequences.
  // -------------------------------------------------------------------------------------------

  check(
    {
      id: 'queue-matches-model',
      title:
        'any sequence of calls from two instances, with the clock moved to and across every lease end and due time, faults and crashes mid-call, answers as the README says',
      item: 'api-design',
      weight: 6,
      timeoutMs: 60_000,
      rules: [...ALL_QUEUE_RULES],
    },
    async ({ impl, seed, property }) => {
      await property(
        fc.asyncProperty(
          queueOptionsArb(),
          keyPool,
          fc.commands(queueCommands, { maxCommands: 40, size: 'medium' }),
          async (options, keys, commands) => {
            await runCommands(async () => {
              const { model: m, real } = await setupQueueRun(impl, seed, options, keys);
              return {
                model: m,
                real,
                description: `options ${options.description} and keys ${show(keys)}`,
                teardown: () => real.cluster.close(),
              };
            }, commands);
          },
        ),
        { numRuns: casesOn(40, 10) },
      );
    },
  );

  check(
    {
      id: 'worker-matches-model',
      title:
        'a worker driven step by step (handlers finishing when the spec says, polls, lease ends, stop, a crash) claims, runs, records and shuts down as the README says',
      item: 'error-recovery',
      weight: 6,
      timeoutMs: 60_000,
      rules: [
        'worker-polls',
        'worker-runs-handlers',
        'worker-records-results',
        'worker-lease-check',
        'backpressure',
        'stop-claims-nothing',
        'stop-releases-buffer',
        'stop-waits-for-handlers',
        'fencing-token',
        'lease-expiry',
        'error-text',
        'claim-order',
      ],
    },
    async ({ impl, seed, property }) => {
      await property(
        fc.asyncProperty(
          queueOptionsArb({ shortLeases: true }),
          workerOptionsArb,
          workerKeyPool,
          fc.commands(workerCommands, { maxCommands: 40, size: 'medium' }),
          async (options, worker, keys, commands) => {
            await runCommands(async () => {
              const { model: m, real } = await setupWorkerRun(impl, seed, options, worker, keys);
              return {
                model: m,
                real,
                description: `options ${options.description}, worker ${show(worker.given)} and keys ${show(keys)}`,
                teardown: () => real.cluster.close(),
              };
            }, commands);
          },
        ),
        { numRuns: casesOn(40, 10) },
      );
    },
  );

  // -------------------------------------------------------------------------------------------
  // Concurrent histories: some order consistent with real time must explain every answer.
  // -------------------------------------------------------------------------------------------

  check(
    {
      id: 'linearizable-one-process',
      title: 'concurrent calls of every kind from three instances in one process are linearizable',
      item: 'race-conditions',
      weight: 4,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 40_000,
      rules: ['claim-exclusive', 'enqueue-idempotent', 'replay', 'fencing-token', 'init-idempotent'],
    },
    async ({ impl, seed, property }) => {
      await property(
        fc.asyncProperty(
          queueOptionsArb(),
          keyPool,
          prefixArb,
          fc.array(fc.record({ instance: fc.nat(2), draw: batchDrawArb }), { minLength: 2, maxLength: 6 }),
          fc.integer(),
          async (options, keys, prefix, batch, staggerSeed) => {
            const cluster = Cluster.create(impl, {
              seed,
              maxYields: 2,
              queue: options.given,
              random: options.effective.random,
            });
            try {
              const instances = [await cluster.open('A'), await cluster.open('B'), await cluster.open('C')];
              const m = freshModel(options.effective, keys);
              await runPrefix(m, cluster, instances[0]!, prefix, impl);
              const initial = historyState(m);
              const history = createHistory<HistoryInput, unknown>();
              const inputs = batch
                .map(({ instance, draw }) => toInput(draw, instances[instance]!.name, m))
                .filter((input): input is HistoryInput => input !== undefined);
              const queueOf = (name: string) => instances.find((instance) => instance.name === name)!.queue;
              await startStaggered(
                inputs.map((input) => ({
                  process: input.instance,
                  run: () => history.call(input.instance, input, () => performInput(queueOf(input.instance), input)),
                })),
                { seed: staggerSeed, maxDelayTurns: 3 },
              );
              for (const input of finalReads(keys, 'B')) {
                await history.call('B', input, () => performInput(queueOf('B'), input));
              }
              assertQueueLinearizable(
                history.operations,
                initial,
                options.effective,
                cluster.clock.now(),
                classesOf(impl),
              );
            } finally {
              await cluster.close();
            }
          },
        ),
        { numRuns: casesOn(40, 20) },
      );
    },
  );

  check(
    {
      id: 'linearizable-four-instances',
      title: 'concurrent calls of every kind from four worker-thread instances are linearizable',
      item: 'distributed-systems',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 40_000,
      rules: ['claim-exclusive', 'enqueue-idempotent', 'replay', 'fencing-token'],
    },
    async ({ impl, targetFile, seed, property }) => {
      await property(
        fc.asyncProperty(
          queueOptionsArb(),
          keyPool,
          prefixArb,
          fc.array(
            fc.record({ limit: fc.integer({ min: 1, max: 2 }), more: fc.array(batchDrawArb, { maxLength: 1 }) }),
            { minLength: 4, maxLength: 4 },
          ),
          async (options, keys, prefix, perInstance) => {
            const cluster = Cluster.create(impl, { seed, queue: options.given, random: options.effective.random });
            try {
              const a = await cluster.open('A');
              const m = freshModel(options.effective, keys);
              // Every key enqueued first, so the four instances' claims have due jobs to fight over.
              for (const key of keys) await step(m, cluster, a, { kind: 'enqueue', key, payload: 'p' }, impl);
              await runPrefix(m, cluster, a, prefix, impl);
              const initial = historyState(m);
              // Every instance enqueues one key and claims (and may do one thing more), all at once.
              const calls = perInstance.map(({ limit, more }, index) => {
                const instance = `instance ${index + 1}`;
                const claim: HistoryInput = { instance, kind: 'claim', workerId: `w${index + 1}`, limit };
                const enqueue: HistoryInput = {
                  instance,
                  kind: 'enqueue',
                  key: 'evt-race',
                  payload: instance,
                  priority: 0,
                };
                const others = more
                  .map((draw) => toInput(draw, instance, m))
                  .filter((input): input is HistoryInput => input !== undefined);
                return [enqueue, claim, ...others];
              });
              const clock = createSharedClock();
              const args: HistoryArgs = {
                mode: 'history',
                nowMs: cluster.clock.now(),
                options: options.given,
                random: options.effective.random,
                calls,
              };
              const results = await runWorkers<RecordedCall[], AppInstanceArgs>({
                scenarioFile: appInstanceFile,
                targetFile,
                databaseFile: cluster.root.file,
                workers: 4,
                args,
                seed,
                clock,
                database: { maxYields: 1 },
              });
              const history = createHistory<HistoryInput, unknown>();
              results.forEach((recorded, index) => {
                for (const call of recorded) {
                  history.add({
                    process: `instance ${index + 1}`,
                    input: call.input,
                    invokedAt: call.invokedAt,
                    returnedAt: call.returnedAt,
                    outcome: revive(impl, call.outcome),
                  });
                }
              });
              for (const input of finalReads([...keys, 'evt-race'], 'A')) {
                const invokedAt = clock.tick();
                const outcome = await settle(() => performInput(a.queue, input));
                history.add({ process: 'A', input, invokedAt, returnedAt: clock.tick(), outcome });
              }
              assertQueueLinearizable(
                history.operations,
                initial,
                options.effective,
                cluster.clock.now(),
                classesOf(impl),
              );
            } finally {
              await cluster.close();
            }
          },
        ),
        { numRuns: 4 },
      );
    },
  );

  // -------------------------------------------------------------------------------------------
  // The headline races and runs.
  // -------------------------------------------------------------------------------------------

  check(
    {
      id: 'enqueue-once',
      title: '1000 concurrent enqueues of one key, in one process and across four instances, create exactly one job',
      item: 'idempotency',
      weight: 3,
      redFlag: 'no-idempotency',
      timeoutMs: 30_000,
      rules: ['enqueue-idempotent'],
    },
    async ({ impl, targetFile, seed }) => {
      const cluster = Cluster.create(impl, { seed, maxYields: 3 });
      try {
        const instances = [await cluster.open('A'), await cluster.open('B'), await cluster.open('C')];
        const outcomes = await Promise.all(
          Array.from({ length: 1000 }, (_, call) =>
            settle(() => instances[call % 3]!.queue.enqueue('evt-1', `payload ${call}`)),
          ),
        );
        const rejected = outcomes.filter((outcome) => !outcome.ok);
        expect(
          rejected.length,
          `${rejected.length} of 1000 concurrent enqueues of one key rejected, e.g. ${show(rejected[0])}`,
        ).toBe(0);
        const values = outcomes.map((outcome) => (outcome as { value: Kata.EnqueueResult }).value);
        const winners = values.filter((value) => value.created);
        expect(
          winners.length,
          `${winners.length} of 1000 concurrent enqueues of one key in one process resolved created: true`,
        ).toBe(1);
        const payload = winners[0]!.job.payload;
        const disagreeing = values.filter((value) => value.job.payload !== payload);
        expect(
          disagreeing.length,
          `${disagreeing.length} enqueues answered a job with another payload than the one stored (${show(payload)})`,
        ).toBe(0);
        expect((await instances[1]!.queue.getJob('evt-1'))?.payload, 'getJob after the race').toBe(payload);
        expect((await instances[2]!.queue.stats()).pending, 'pending jobs after 1000 enqueues of one key').toBe(1);

        const results = await runWorkers<Settled<{ created: boolean; payload: string }>[], AppInstanceArgs>({
          scenarioFile: appInstanceFile,
          targetFile,
          databaseFile: cluster.root.file,
          workers: 4,
          args: {
            mode: 'enqueue-race',
            nowMs: DEFAULT_CLOCK_START_MS,
            key: 'evt-2',
            callsPerInstance: 250,
          } satisfies EnqueueRaceArgs,
          seed,
          database: { maxYields: 2 },
        });
        const flat = results.flat();
        const failed = flat.filter((outcome) => !outcome.ok);
        expect(
          failed.length,
          `${failed.length} of 1000 enqueues across four instances rejected, e.g. ${show(failed[0])}`,
        ).toBe(0);
        const created = flat.filter((outcome) => outcome.ok && outcome.value.created);
        expect(
          created.length,
          `${created.length} of 1000 concurrent enqueues of one key across four instances resolved created: true`,
        ).toBe(1);
        const stored = (await instances[0]!.queue.getJob('evt-2'))?.payload;
        const mismatched = flat.filter((outcome) => outcome.ok && outcome.value.payload !== stored);
        expect(
          mismatched.length,
          `${mismatched.length} enqueues across instances answered a payload other than the stored ${show(stored)}`,
        ).toBe(0);
      } finally {
        await cluster.close();
      }
    },
  );

  check(
    {
      id: 'claim-race-four-instances',
      title: '1000 due jobs claimed by 200 concurrent claims on four instances: each job exactly once, each claim full',
      item: 'locking',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 30_000,
      rules: ['claim-exclusive'],
    },
    async ({ impl, targetFile, seed }) => {
      const cluster = Cluster.create(impl, { seed });
      try {
        const a = await cluster.open('A');
        for (let index = 0; index < 1000; index++) await a.queue.enqueue(`job-${index}`, 'x', { priority: index % 3 });
        const results = await runWorkers<Settled<string[]>[], AppInstanceArgs>({
          scenarioFile: appInstanceFile,
          targetFile,
          databaseFile: cluster.root.file,
          workers: 4,
          args: {
            mode: 'claim-race',
            nowMs: cluster.clock.now(),
            callsPerInstance: 50,
            limit: 5,
          } satisfies ClaimRaceArgs,
          seed,
          database: { maxYields: 2 },
        });
        const flat = results.flat();
        const failed = flat.filter((outcome) => !outcome.ok);
        expect(failed.length, `${failed.length} of 200 concurrent claims rejected, e.g. ${show(failed[0])}`).toBe(0);
        const short = flat.filter((outcome) => outcome.ok && outcome.value.length !== 5);
        expect(
          short.length,
          `${short.length} of 200 claims of 5 came back with another number of jobs while 1000 were due, e.g. ${show(short[0])}`,
        ).toBe(0);
        const counts = new Map<string, number>();
        for (const outcome of flat)
          if (outcome.ok) for (const key of outcome.value) counts.set(key, (counts.get(key) ?? 0) + 1);
        const twice = [...counts].filter(([, count]) => count > 1);
        expect(
          twice.length,
          `${twice.length} job(s) were claimed by two live claims at once, e.g. ${show(twice[0])}`,
        ).toBe(0);
        expect(counts.size, 'distinct jobs claimed by the 200 claims').toBe(1000);
        expect((await a.queue.stats()).running, 'running jobs after the race').toBe(1000);
      } finally {
        await cluster.close();
      }
    },
  );

  check(
    {
      id: 'thousand-jobs-four-instances',
      title: '1000 jobs over four worker-thread instances with several handlers each: every job handled, none twice',
      item: 'load-balancing',
      weight: 4,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 40_000,
      rules: ['claim-exclusive', 'worker-runs-handlers', 'worker-records-results', 'fail-retry'],
    },
    async ({ impl, targetFile, seed }) => {
      const total = 1000;
      const cluster = Cluster.create(impl, { seed, queue: { leaseMs: MAX_MS, backoffBaseMs: 100 } });
      try {
        const a = await cluster.open('A');
        for (let index = 0; index < total; index++) await a.queue.enqueue(`job-${index}`, `payload ${index}`);
        const calls = new SharedArrayBuffer(total * 4 * Int32Array.BYTES_PER_ELEMENT);
        const args: RunJobsArgs = {
          mode: 'run-jobs',
          nowMs: cluster.clock.now(),
          options: { leaseMs: MAX_MS, backoffBaseMs: 100 },
          worker: { concurrency: 4, bufferSize: 6, pollIntervalMs: 100 },
          total,
          failFirstEvery: 10,
          maxHandlerTurns: 3,
          calls,
          until: 'all-completed',
          maxLoops: 20_000,
        };
        const results = await runWorkers<RunJobsResult, AppInstanceArgs>({
          scenarioFile: appInstanceFile,
          targetFile,
          databaseFile: cluster.root.file,
          workers: 4,
          args,
          seed,
          timeoutMs: 30_000,
        });
        const succeeded = new Map<string, number>();
        for (const result of results)
          for (const key of result.succeeded) succeeded.set(key, (succeeded.get(key) ?? 0) + 1);
        const twice = [...succeeded].filter(([, count]) => count > 1);
        expect(
          twice.length,
          `${twice.length} job(s) were handled successfully more than once by live workers, e.g. ${show(twice[0])}`,
        ).toBe(0);
        expect(succeeded.size, `jobs handled successfully across the four instances (of ${total})`).toBe(total);
        const cells = new Int32Array(calls);
        const extra: string[] = [];
        for (let index = 0; index < total; index++) {
          let count = 0;
          for (let worker = 0; worker < 4; worker++) count += cells[index * 4 + worker]!;
          const expected = index % 10 === 0 ? 2 : 1;
          if (count !== expected) extra.push(`job-${index}: ${count} handler call(s), expected ${expected}`);
        }
        expect(
          extra.length,
          `${extra.length} job(s) ran another number of times than once (twice for a first attempt that fails), e.g. ${extra[0]}`,
        ).toBe(0);
        const over = results.filter((result) => result.maxRunning > 4);
        expect(
          over.length,
          `an instance ran ${show(over.map((result) => result.maxRunning))} handlers at once with concurrency 4`,
        ).toBe(0);
        const stats = await a.queue.stats();
        expect(stats, 'stats() after the run').toEqual({ pending: 0, running: 0, completed: total, dead: 0 });
        const retried = await a.queue.getJob('job-10');
        expect(retried?.attempts, 'attempts of job-10, whose first attempt failed').toBe(2);
        expect(retried?.lastError, 'lastError of job-10 after its retry succeeded').toBe(
          'first attempt of job-10 fails',
        );
      } finally {
        await cluster.close();
      }
    },
  );

  check(
    {
      id: 'crashed-instance-jobs-reclaimed',
      title:
        'an instance killed mid-run: the others finish, and its jobs are reclaimed after the lease, by live workers once each',
      item: 'distributed-systems',
      weight: 3,
      timeoutMs: 40_000,
      rules: ['lease-expiry', 'claim-exclusive', 'worker-records-results'],
    },
    async ({ impl, targetFile, seed }) => {
      const total = 200;
      const leaseMs = 600_000;
      const pollIntervalMs = 100;
      const maxLoops = 1_000;
      const cluster = Cluster.create(impl, { seed, queue: { leaseMs } });
      try {
        const a = await cluster.open('A');
        for (let index = 0; index < total; index++) await a.queue.enqueue(`job-${index}`, 'x');
        const calls = new SharedArrayBuffer((total * 4 + 1) * Int32Array.BYTES_PER_ELEMENT);
        // Instance 1's handlers hang (it is killed mid-job), so whenever the crash comes it holds jobs.
        const statement = 60 + (Math.abs(seed) % 200);
        const timing = seed % 2 === 0 ? ('before' as const) : ('after' as const);
        const run = await runWorkersWithCrash<RunJobsResult, AppInstanceArgs>({
          scenarioFile: appInstanceFile,
          targetFile,
          databaseFile: cluster.root.file,
          workers: 4,
          args: {
            mode: 'run-jobs',
            nowMs: cluster.clock.now(),
            options: { leaseMs },
            worker: { concurrency: 3, bufferSize: 4, pollIntervalMs },
            total,
            failFirstEvery: 0,
            maxHandlerTurns: 2,
            calls,
            until: 'nothing-pending',
            maxLoops,
            hangingInstance: 0,
          } satisfies RunJobsArgs,
          seed,
          crash: { worker: 0, statement, timing },
          rendezvousTimeoutMs: 0,
          timeoutMs: 30_000,
        });
        expect(
          run.crashed?.worker,
          `the instance to kill at its statement ${statement} finished before it got there`,
        ).toBe(0);
        // A new instance, its clock past every lease the others could have given: it finishes the rest.
        const finisherClock = createManualClock({
          startMs: cluster.clock.now() + maxLoops * pollIntervalMs + leaseMs + 1,
        });
        const finisherDb = openTestDatabase(cluster.root.file);
        const finishedHere: string[] = [];
        try {
          const finisher = impl.createJobQueue(finisherDb.db, {
            now: finisherClock.now,
            sleep: finisherClock.sleep,
            leaseMs,
          });
          await finisher.init();
          const worker = finisher.startWorker(
            (job) => {
              finishedHere.push(job.key);
            },
            { workerId: 'finisher', concurrency: 5, bufferSize: 5, pollIntervalMs },
          );
          for (let loop = 0; loop < 500 && (await finisher.stats()).completed < total; loop++) {
            await finisherClock.advance(pollIntervalMs);
          }
          await worker.stop({ graceMs: 0 });
          await finisherClock.advance(0);
          const stats = await finisher.stats();
          expect(
            stats,
            `stats() once the finisher is done (the instance killed at statement ${statement}, ${timing})`,
          ).toEqual({
            pending: 0,
            running: 0,
            completed: total,
            dead: 0,
          });
        } finally {
          await finisherDb.close();
        }
        const live = new Map<string, number>();
        run.results.forEach((result) => {
          for (const key of result?.succeeded ?? []) live.set(key, (live.get(key) ?? 0) + 1);
        });
        for (const key of finishedHere) live.set(key, (live.get(key) ?? 0) + 1);
        const twice = [...live].filter(([, count]) => count > 1);
        expect(
          twice.length,
          `${twice.length} job(s) were handled more than once by live workers, e.g. ${show(twice[0])}`,
        ).toBe(0);
        const cells = new Int32Array(calls);
        const lost: string[] = [];
        for (let index = 0; index < total; index++) {
          const key = `job-${index}`;
          const byCrashed = cells[index * 4]! > 0;
          if (!live.has(key) && !byCrashed) lost.push(key);
        }
        expect(
          lost.length,
          `${lost.length} job(s) were completed without any handler running them, e.g. ${lost[0]}`,
        ).toBe(0);
      } finally {
        await cluster.close();
      }
    },
  );

  // -------------------------------------------------------------------------------------------
  // Faults and crashes between every two statements of every operation.
  // -------------------------------------------------------------------------------------------

  check(
    {
      id: 'faults-between-statements',
      title:
        'a database error or a crash at every statement of every operation leaves the queue as before the call or as after it',
      item: 'transactions',
      weight: 4,
      redFlag: 'no-transaction-handling',
      timeoutMs: 60_000,
      rules: ['atomic-operations', 'enqueue-durable', 'dead-letter', 'replay', 'fail-retry', 'lease-expiry-dead'],
    },
    async ({ impl }) => {
      for (const situation of FAULT_SITUATIONS) {
        for (const effect of ['error', 'crash-before', 'crash-after'] as const) {
          for (let skip = 0; ; skip++) {
            const fired = await faultAt(impl, situation, effect, skip);
            if (!fired) break;
            if (skip > 40) throw new Error(`${situation.name} ran more than 40 statements`);
          }
        }
      }
    },
  );

  check(
    {
      id: 'enqueue-durable-before-202',
      title: 'once enqueue resolves the job is in the database: the instance crashing right after loses nothing',
      item: 'error-recovery',
      weight: 2,
      timeoutMs: 20_000,
      rules: ['enqueue-durable'],
    },
    async ({ impl, seed }) => {
      const rounds = casesOn(20, 6);
      for (let round = 0; round < rounds; round++) {
        const cluster = Cluster.create(impl, { seed: seed + round, maxYields: round % 3 });
        try {
          const a = await cluster.open('A');
          const b = await cluster.open('B');
          const answer = await a.queue.enqueue(`evt-${round}`, 'welcome e-mail', { priority: round });
          cluster.crash(a);
          const seen = await b.queue.getJob(`evt-${round}`);
          expect(
            seen?.status,
            `instance B's getJob after instance A resolved enqueue (created: ${answer.created}) and then crashed`,
          ).toBe('pending');
          const restarted = await cluster.open('A again');
          expect((await restarted.queue.getJob(`evt-${round}`))?.priority, 'priority after a restart').toBe(round);
        } finally {
          await cluster.close();
        }
      }
    },
  );

  // -------------------------------------------------------------------------------------------
  // Named scenarios.
  // -------------------------------------------------------------------------------------------

  check(
    {
      id: 'backoff-schedule',
      title:
        'a job failing again and again is due at exactly now + backoff(n) each time (never before), then dead-lettered',
      item: 'error-recovery',
      weight: 3,
      redFlag: 'no-retry-mechanism',
      timeoutMs: 30_000,
      rules: ['backoff', 'fail-retry', 'claim-due', 'dead-letter', 'list-dead-letters', 'error-text'],
    },
    async ({ impl, seed, property }) => {
      const arb = fc.record({
        maxAttempts: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 30, max: 40 })),
        base: fc.oneof(fc.constantFrom(0, 1, 2_000, 1_000_000), fc.integer({ min: 0, max: MAX_MS })),
        capOffset: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: MAX_MS })),
        jitter: fc.constantFrom('none' as const, 'full' as const),
        random: fc.oneof(
          fc.constantFrom(0, 0.999_999_999),
          fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        ),
        thrown: fc.nat(THROWN_VALUES.length - 1),
      });
      await property(
        fc.asyncProperty(arb, async (drawn) => {
          const cap = Math.min(MAX_MS, drawn.base + drawn.capOffset);
          const options: model.QueueModelOptions = {
            leaseMs: 1_000,
            maxAttempts: drawn.maxAttempts,
            backoffBaseMs: drawn.base,
            backoffCapMs: cap,
            jitter: drawn.jitter,
            random: drawn.random,
          };
          const given = {
            leaseMs: 1_000,
            maxAttempts: drawn.maxAttempts,
            backoffBaseMs: drawn.base,
            backoffCapMs: cap,
            jitter: drawn.jitter,
          };
          const cluster = Cluster.create(impl, { seed, queue: given, random: drawn.random });
          try {
            const a = await cluster.open('A');
            const b = await cluster.open('B');
            const m = freshModel(options, ['otp-1']);
            await step(m, cluster, a, { kind: 'enqueue', key: 'otp-1', payload: '482913' }, impl);
            const thrown = THROWN_VALUES[drawn.thrown]!;
            for (let attempt = 1; attempt <= drawn.maxAttempts; attempt++) {
              const due = m.state.jobs['otp-1']!.runAt;
              const now = cluster.clock.now();
              if (due > now) {
                await cluster.clock.advance(due - 1 - now);
                await step(m, cluster, b, { kind: 'claim', workerId: 'early', limit: 5 }, impl);
                await cluster.clock.advance(1);
              }
              await step(m, cluster, attempt % 2 === 0 ? a : b, { kind: 'claim', workerId: 'w', limit: 5 }, impl);
              const claim = m.claims.at(-1)!;
              expect(claim.actual.attempt, `the claim at the due time of attempt ${attempt}`).toBe(attempt);
              await step(m, cluster, a, { kind: 'fail', claim, thrown }, impl);
              await expectQueueState(
                b.queue,
                m.state,
                options,
                cluster.clock.now(),
                ['otp-1'],
                `after attempt ${attempt} failed, read through B`,
                classesOf(impl),
              );
            }
          } finally {
            await cluster.close();
          }
        }),
        { numRuns: 15 },
      );
    },
  );

  check(
    {
      id: 'priority-and-fifo',
      title:
        'an OTP at priority 10 goes before a newsletter at 0; within a priority, earliest due first, then first enqueued',
      item: 'api-design',
      weight: 2,
      rules: ['claim-order', 'claim-due', 'enqueue-creates'],
    },
    async ({ impl, seed, property }) => {
      const jobArb = fc.record({ priority: fc.constantFrom(0, 10, -1), delayMs: fc.constantFrom(0, 0, 1, 5) });
      await property(
        fc.asyncProperty(
          fc.array(jobArb, { minLength: 1, maxLength: 12 }),
          fc.integer({ min: 1, max: 4 }),
          async (jobs, limit) => {
            const cluster = Cluster.create(impl, { seed });
            try {
              const a = await cluster.open('A');
              const keys = jobs.map(
                (job, index) =>
                  `${job.priority === 10 ? 'otp' : job.priority === 0 ? 'newsletter' : 'digest'}-${index}`,
              );
              const m = freshModel(DEFAULT_OPTIONS, keys);
              for (const [index, job] of jobs.entries()) {
                await step(m, cluster, a, { kind: 'enqueue', key: keys[index]!, payload: 'x', options: job }, impl);
              }
              await cluster.clock.advance(5);
              while (model.dueJobs(m.state, cluster.clock.now()).length > 0) {
                await step(m, cluster, a, { kind: 'claim', workerId: 'w', limit }, impl);
              }
              await step(m, cluster, a, { kind: 'claim', workerId: 'w', limit }, impl);
            } finally {
              await cluster.close();
            }
          },
        ),
        { numRuns: casesOn(30, 8) },
      );
    },
  );

  check(
    {
      id: 'leases-and-fencing',
      title: 'a hung worker loses its job exactly at the lease end; its late complete, fail and release change nothing',
      item: 'locking',
      weight: 3,
      timeoutMs: 20_000,
      rules: [
        'lease-expiry',
        'lease-expiry-dead',
        'fencing-token',
        'release',
        'complete',
        'replay',
        'claim-fields',
        'stats',
      ],
    },
    async ({ impl, seed }) => {
      const cluster = Cluster.create(impl, { seed, queue: SIMPLE_GIVEN });
      try {
        const a = await cluster.open('A');
        const b = await cluster.open('B');
        const m = freshModel(SIMPLE_OPTIONS, ['otp-1', 'otp-2']);
        let reads = 0;
        const check = () =>
          expectQueueState(
            b.queue,
            m.state,
            SIMPLE_OPTIONS,
            cluster.clock.now(),
            m.keys,
            'read through B',
            classesOf(impl),
            reads++,
          );
        await step(m, cluster, a, { kind: 'enqueue', key: 'otp-1', payload: '111' }, impl);
        await step(m, cluster, a, { kind: 'claim', workerId: 'hung', limit: 1 }, impl);
        const hung = m.claims.at(-1)!;
        await cluster.clock.advance(SIMPLE_OPTIONS.leaseMs - 1);
        await step(m, cluster, b, { kind: 'claim', workerId: 'eager', limit: 1 }, impl);
        await check();
        await cluster.clock.advance(1);
        await check();
        await step(m, cluster, a, { kind: 'complete', claim: hung }, impl);
        await step(m, cluster, a, { kind: 'fail', claim: hung, thrown: THROWN_VALUES[0]! }, impl);
        await step(m, cluster, a, { kind: 'release', claim: hung }, impl);
        await step(m, cluster, b, { kind: 'claim', workerId: 'second', limit: 1 }, impl);
        const second = m.claims.at(-1)!;
        await step(m, cluster, a, { kind: 'complete', claim: hung }, impl);
        await step(m, cluster, b, { kind: 'release', claim: second }, impl);
        await step(m, cluster, b, { kind: 'claim', workerId: 'third', limit: 1 }, impl);
        const third = m.claims.at(-1)!;
        expect(third.actual.token, 'the token of the claim after a release').not.toBe(second.actual.token);
        await step(m, cluster, a, { kind: 'complete', claim: second }, impl);
        await step(m, cluster, b, { kind: 'complete', claim: third }, impl);
        await step(m, cluster, b, { kind: 'complete', claim: third }, impl);
        await check();
        // The last attempt's lease ends: dead, then replayed, then claimed again with a new token.
        await step(m, cluster, a, { kind: 'enqueue', key: 'otp-2', payload: '222' }, impl);
        for (let attempt = 1; attempt <= SIMPLE_OPTIONS.maxAttempts; attempt++) {
          await step(
            m,
            cluster,
            attempt % 2 === 0 ? a : b,
            { kind: 'claim', workerId: `hang-${attempt}`, limit: 1 },
            impl,
          );
          await cluster.clock.advance(SIMPLE_OPTIONS.leaseMs);
          await check();
        }
        const beforeReplay = m.claims.at(-1)!;
        await step(m, cluster, a, { kind: 'replay', key: 'otp-2' }, impl);
        await step(m, cluster, b, { kind: 'claim', workerId: 'after-replay', limit: 1 }, impl);
        await step(m, cluster, a, { kind: 'complete', claim: beforeReplay }, impl);
        await check();
      } finally {
        await cluster.close();
      }
    },
  );

  check(
    {
      id: 'dead-letters-across-instances',
      title:
        'a job dead on one instance is listed on another, replayed once of two concurrent replays, and a replay of anything else is refused',
      item: 'error-recovery',
      weight: 2,
      rules: ['dead-letter', 'list-dead-letters', 'replay', 'replay-errors'],
    },
    async ({ impl, seed }) => {
      const options = { ...SIMPLE_OPTIONS, maxAttempts: 1 };
      const cluster = Cluster.create(impl, { seed, maxYields: 2, queue: { ...SIMPLE_GIVEN, maxAttempts: 1 } });
      try {
        const a = await cluster.open('A');
        const b = await cluster.open('B');
        const m = freshModel(options, ['evt-1', 'evt-2', 'evt-3']);
        for (const key of m.keys) await step(m, cluster, a, { kind: 'enqueue', key, payload: key }, impl);
        await step(m, cluster, a, { kind: 'claim', workerId: 'w', limit: 3 }, impl);
        const [one, two, three] = m.claims.slice(-3);
        await step(m, cluster, a, { kind: 'fail', claim: two!, thrown: THROWN_VALUES[4]! }, impl);
        await cluster.clock.advance(5);
        await step(m, cluster, a, { kind: 'fail', claim: one!, thrown: THROWN_VALUES[0]! }, impl);
        await step(m, cluster, b, { kind: 'listDeadLetters' }, impl);
        await step(m, cluster, b, { kind: 'replay', key: 'evt-3' }, impl);
        await step(m, cluster, b, { kind: 'replay', key: 'nope' }, impl);
        const answers = await Promise.all([
          settle(() => a.queue.replayDeadLetter('evt-1')),
          settle(() => b.queue.replayDeadLetter('evt-1')),
        ]);
        const won = answers.filter((answer) => answer.ok);
        expect(won.length, `${won.length} of 2 concurrent replays of one dead letter succeeded: ${show(answers)}`).toBe(
          1,
        );
        const lost = answers.find((answer) => !answer.ok)!;
        expectOutcome(
          lost,
          expectError('JobNotDeadError', {
            code: 'JOB_NOT_DEAD',
            fields: { key: 'evt-1', status: 'pending' },
            mentions: [mentionsKey('evt-1')],
          }),
          'the losing replay',
          classesOf(impl),
        );
        model.replay(m.state, options, cluster.clock.now(), 'evt-1');
        await step(m, cluster, a, { kind: 'listDeadLetters' }, impl);
        await step(m, cluster, b, { kind: 'complete', claim: three! }, impl);
        await step(m, cluster, b, { kind: 'replay', key: 'evt-3' }, impl);
        await expectQueueState(
          a.queue,
          m.state,
          options,
          cluster.clock.now(),
          m.keys,
          'read through A',
          classesOf(impl),
        );
      } finally {
        await cluster.close();
      }
    },
  );

  check(
    {
      id: 'replay-beside-the-last-fail',
      title:
        'a replay caught between any two of its statements while a fail on another instance dead-letters the job answers as one order of the two calls',
      item: 'race-conditions',
      weight: 2,
      rules: ['replay', 'replay-errors'],
    },
    async ({ impl, seed }) => {
      const options = { ...SIMPLE_OPTIONS, maxAttempts: 1 };
      // One round per statement the replay makes: the fail lands after statement `skip` of it,
      // until a round where the replay finishes before the hold, so every gap is met once.
      for (let skip = 0; ; skip++) {
        const cluster = Cluster.create(impl, { seed, queue: { ...SIMPLE_GIVEN, maxAttempts: 1 } });
        try {
          const a = await cluster.open('A');
          const b = await cluster.open('B');
          const m = freshModel(options, ['evt-1']);
          await step(m, cluster, a, { kind: 'enqueue', key: 'evt-1', payload: 'p' }, impl);
          await step(m, cluster, a, { kind: 'claim', workerId: 'w', limit: 1 }, impl);
          const known = m.claims.at(-1)!;
          const initial = historyState(m);
          const history = createHistory<HistoryInput, unknown>();
          const gate = b.holdNextStatement(skip);
          const replay: HistoryInput = { instance: 'B', kind: 'replay', key: 'evt-1' };
          const replayed = history.call('B', replay, () => performInput(b.queue, replay));
          await cluster.quiesce();
          const caught = b.holding;
          const fail: HistoryInput = {
            instance: 'A',
            kind: 'fail',
            claim: { actual: known.actual, modelToken: known.model.token },
            thrown: 0,
          };
          if (!caught) await replayed;
          const failed = history.call('A', fail, () => performInput(a.queue, fail));
          if (caught) await cluster.runBeside(failed);
          gate.resolve();
          await Promise.all([replayed, failed]);
          for (const input of finalReads(m.keys, 'A')) {
            await history.call('A', input, () => performInput(a.queue, input));
          }
          try {
            assertQueueLinearizable(history.operations, initial, options, cluster.clock.now(), classesOf(impl));
          } catch (error) {
            throw new Error(
              `with the fail on the last attempt landing ${caught ? `after statement ${skip} of the replay` : 'after the replay'}: ${(error as Error).message}`,
            );
          }
          if (!caught) return;
        } finally {
          await cluster.close();
        }
      }
    },
  );

  check(
    {
      id: 'slow-handlers-backpressure',
      title: 'with handlers that never finish, a worker holds exactly bufferSize + concurrency jobs, poll after poll',
      item: 'system-error-handling',
      weight: 3,
      rules: ['backpressure', 'worker-polls', 'worker-runs-handlers'],
    },
    async ({ impl, seed, property }) => {
      await property(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: 0, max: 8 }),
          fc.integer({ min: 1, max: 5_000 }),
          async (concurrency, bufferSize, pollIntervalMs) => {
            const cluster = Cluster.create(impl, { seed, queue: { leaseMs: MAX_MS } });
            try {
              const a = await cluster.open('A');
              const b = await cluster.open('B');
              const total = 2 * (concurrency + bufferSize) + 3;
              for (let index = 0; index < total; index++)
                await b.queue.enqueue(`job-${String(index).padStart(3, '0')}`, 'x');
              const started: Kata.ClaimedJob[] = [];
              const gates: ReturnType<typeof deferred<void>>[] = [];
              a.queue.startWorker(
                (job) => {
                  cluster.activity.bump();
                  started.push(job);
                  const gate = deferred<void>();
                  gates.push(gate);
                  return gate.promise;
                },
                { workerId: 'slow', concurrency, bufferSize, pollIntervalMs },
              );
              const expectHeld = async (when: string, held: number, running: number) => {
                await cluster.quiesce();
                const stats = await b.queue.stats();
                expect(
                  stats.running,
                  `jobs claimed ${when} (bufferSize ${bufferSize} + concurrency ${concurrency})`,
                ).toBe(held);
                expect(started.length, `handlers started ${when} (concurrency ${concurrency})`).toBe(running);
              };
              await expectHeld('after the first poll', concurrency + bufferSize, concurrency);
              for (let poll = 0; poll < 4; poll++) {
                await cluster.clock.advance(pollIntervalMs);
                await expectHeld(
                  `after poll ${poll + 2} with every handler still running`,
                  concurrency + bufferSize,
                  concurrency,
                );
              }
              gates[0]!.resolve();
              await expectHeld(
                'once one handler finished (the next buffered job starts at once)',
                concurrency + bufferSize - 1,
                concurrency + (bufferSize > 0 ? 1 : 0),
              );
              expect(
                started.map((job) => job.key),
                'the jobs started, in order',
              ).toEqual(Array.from({ length: started.length }, (_, index) => `job-${String(index).padStart(3, '0')}`));
              await cluster.clock.advance(pollIntervalMs - 1);
              await expectHeld(
                'a millisecond before the next poll',
                concurrency + bufferSize - 1,
                concurrency + (bufferSize > 0 ? 1 : 0),
              );
              await cluster.clock.advance(1);
              await expectHeld('after the next poll', concurrency + bufferSize, concurrency + 1);
            } finally {
              await cluster.close();
            }
          },
        ),
        { numRuns: casesOn(15, 4) },
      );
    },
  );

  check(
    {
      id: 'buffered-job-past-its-lease',
      title:
        'a buffered job whose lease ended while it waited is not started when a handler frees up; its new holder keeps it',
      item: 'locking',
      weight: 2,
      rules: ['worker-lease-check'],
    },
    async ({ impl, seed }) => {
      for (const reclaimed of [true, false]) {
        const options = { ...SIMPLE_OPTIONS, leaseMs: 1_000 };
        const cluster = Cluster.create(impl, { seed, queue: { ...SIMPLE_GIVEN, leaseMs: 1_000 } });
        try {
          const a = await cluster.open('A');
          const b = await cluster.open('B');
          const keys = ['j1', 'j2'];
          const m = freshModel(options, keys);
          for (const key of keys) await step(m, cluster, b, { kind: 'enqueue', key, payload: key }, impl);
          const started: Kata.ClaimedJob[] = [];
          const first = deferred<void>();
          a.queue.startWorker(
            (job) => {
              cluster.activity.bump();
              started.push(job);
              return started.length === 1 ? first.promise : undefined;
            },
            { workerId: 'slow', concurrency: 1, bufferSize: 1, pollIntervalMs: 60_000 },
          );
          await cluster.quiesce();
          model.claim(m.state, options, cluster.clock.now(), 'slow', 2);
          await cluster.clock.advance(1_000);
          if (reclaimed) await step(m, cluster, b, { kind: 'claim', workerId: 'other', limit: 2 }, impl);
          first.resolve();
          await cluster.quiesce();
          model.getJob(m.state, options, cluster.clock.now(), 'j1');
          const story = reclaimed ? 'and another worker took both' : 'and nobody took them yet';
          expect(
            started.map((job) => job.key),
            `jobs started by a worker (concurrency 1, bufferSize 1) after both leases ended ${story}`,
          ).toEqual(['j1']);
          await expectQueueState(
            b.queue,
            m.state,
            options,
            cluster.clock.now(),
            keys,
            `after its first handler finished, ${story}, read through B`,
            classesOf(impl),
          );
        } finally {
          await cluster.close();
        }
      }
    },
  );

  check(
    {
      id: 'graceful-shutdown',
      title:
        'stop() claims nothing more, hands buffered jobs back at once, waits for running handlers up to graceMs, and releases a poll in flight',
      item: 'system-error-handling',
      weight: 3,
      timeoutMs: 20_000,
      rules: ['stop-claims-nothing', 'stop-releases-buffer', 'stop-waits-for-handlers'],
    },
    async ({ impl, seed }) => {
      const options = { ...SIMPLE_OPTIONS, leaseMs: 600_000 };
      const cluster = Cluster.create(impl, { seed, queue: { ...SIMPLE_GIVEN, leaseMs: 600_000 } });
      try {
        const a = await cluster.open('A');
        const b = await cluster.open('B');
        const keys = ['m-0', 'm-1', 'm-2', 'm-3', 'm-4', 'm-5'];
        const m = freshModel(options, keys);
        for (const key of keys) await step(m, cluster, b, { kind: 'enqueue', key, payload: key }, impl);
        const started: Kata.ClaimedJob[] = [];
        const gates = new Map<string, ReturnType<typeof deferred<void>>>();
        const worker = a.queue.startWorker(
          (job) => {
            cluster.activity.bump();
            started.push(job);
            const gate = deferred<void>();
            gates.set(job.key, gate);
            return gate.promise;
          },
          { workerId: 'deploy', concurrency: 2, bufferSize: 2, pollIntervalMs: 1_000 },
        );
        await cluster.quiesce();
        model.claim(m.state, options, cluster.clock.now(), 'deploy', 4);
        expect(
          started.map((job) => job.key),
          'handlers started by the first poll',
        ).toEqual(['m-0', 'm-1']);
        let stopped = false;
        void worker.stop({ graceMs: 5_000 }).then(() => {
          stopped = true;
        });
        // A second stop() (a second SIGTERM) resolves when the first does: not before, not later.
        let stoppedAgain = false;
        void worker.stop().then(() => {
          stoppedAgain = true;
        });
        await cluster.quiesce();
        const now = () => cluster.clock.now();
        for (const key of ['m-2', 'm-3']) {
          const job = m.state.jobs[key]!;
          model.release(m.state, options, now(), key, job.token!);
        }
        await expectQueueState(
          b.queue,
          m.state,
          options,
          now(),
          keys,
          'right after stop() (buffered jobs released, handlers still running)',
          classesOf(impl),
        );
        expect(stopped, 'stop() resolved while two handlers were still running').toBe(false);
        expect(stoppedAgain, 'a second stop() resolved while the first was still waiting for two handlers').toBe(false);
        gates.get('m-0')!.resolve();
        await cluster.quiesce();
        model.complete(m.state, options, now(), 'm-0', m.state.jobs['m-0']!.token!);
        await expectQueueState(
          b.queue,
          m.state,
          options,
          now(),
          keys,
          'after one running handler finished during the grace period',
          classesOf(impl),
        );
        expect(started.length, 'handlers started after stop()').toBe(2);
        await cluster.clock.advance(4_999);
        await cluster.quiesce();
        expect(stopped, 'stop() resolved a millisecond before graceMs with a handler still running').toBe(false);
        expect(stoppedAgain, 'a second stop() resolved before the first one (a handler still running)').toBe(false);
        await cluster.clock.advance(1);
        await cluster.quiesce();
        expect(stopped, 'stop() had not resolved when graceMs had passed').toBe(true);
        expect(stoppedAgain, 'a second stop() had not resolved when the first one had').toBe(true);
        await expectQueueState(
          b.queue,
          m.state,
          options,
          now(),
          keys,
          'once stop() gave up on the last handler (it keeps its claim)',
          classesOf(impl),
        );
        gates.get('m-1')!.resolve();
        await cluster.quiesce();
        model.complete(m.state, options, now(), 'm-1', m.state.jobs['m-1']!.token!);
        await cluster.clock.advance(10_000);
        await cluster.quiesce();
        expect(started.length, 'handlers started after stop() resolved and the clock moved past 10 polls').toBe(2);
        await expectQueueState(
          b.queue,
          m.state,
          options,
          now(),
          keys,
          'after the abandoned handler finished and 10 polls passed',
          classesOf(impl),
        );

        // A poll in flight when stop() is called: what it claims goes back at once.
        const c = await cluster.open('C');
        const inFlight: Kata.ClaimedJob[] = [];
        const gate = c.holdNextStatement();
        const late = c.queue.startWorker(
          (job) => {
            inFlight.push(job);
          },
          { workerId: 'late', concurrency: 1, bufferSize: 1, pollIntervalMs: 1_000 },
        );
        await cluster.quiesce();
        let lateStopped = false;
        void late.stop({ graceMs: 0 }).then(() => {
          lateStopped = true;
        });
        await cluster.quiesce();
        await cluster.clock.advance(0);
        await cluster.quiesce();
        expect(lateStopped, 'stop() resolved while a poll it had not waited for was still claiming').toBe(false);
        gate.resolve();
        await cluster.quiesce();
        await cluster.clock.advance(0);
        await cluster.quiesce();
        expect(
          inFlight.map((job) => job.key),
          'handlers started by a poll that was in flight when stop() was called',
        ).toEqual([]);
        expect(lateStopped, 'stop() resolved once the poll in flight had finished and released its jobs').toBe(true);
        await expectQueueState(
          b.queue,
          m.state,
          options,
          now(),
          keys,
          'after stop() released what the poll in flight claimed',
          classesOf(impl),
        );
      } finally {
        await cluster.close();
      }
    },
  );

  check(
    {
      id: 'worker-survives-database-errors',
      title:
        'a poll or a result the database fails to record does not stop the worker; an unrecorded job waits for its lease',
      item: 'system-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
      timeoutMs: 30_000,
      rules: ['worker-survives-errors'],
    },
    async ({ impl, seed }) => {
      for (let skip = 0; skip < 12; skip++) {
        const options = { ...SIMPLE_OPTIONS, leaseMs: 10_000 };
        const cluster = Cluster.create(impl, { seed: seed + skip, queue: { ...SIMPLE_GIVEN, leaseMs: 10_000 } });
        try {
          const a = await cluster.open('A');
          const b = await cluster.open('B');
          const m = freshModel(options, ['job-1', 'job-2']);
          await step(m, cluster, b, { kind: 'enqueue', key: 'job-1', payload: 'x' }, impl);
          await step(m, cluster, b, { kind: 'enqueue', key: 'job-2', payload: 'y' }, impl);
          const handled: Kata.ClaimedJob[] = [];
          const fault = a.testDb.injectFault({ when: faultTargets.statements, skip, times: 1 });
          a.queue.startWorker(
            (job) => {
              cluster.activity.bump();
              handled.push(job);
            },
            { workerId: 'w', concurrency: 1, bufferSize: 0, pollIntervalMs: 1_000 },
          );
          // Enough polls (and one lease) for both jobs, whatever the fault hit.
          for (let poll = 0; poll < 13; poll++) {
            await cluster.quiesce();
            await cluster.clock.advance(1_000);
          }
          await cluster.quiesce();
          fault.remove();
          const stats = await b.queue.stats();
          expect(
            stats,
            `stats() after 13 polls, the database having failed statement ${skip + 1} of instance A (the fault ${fault.fired > 0 ? 'hit' : 'never hit'})`,
          ).toEqual({ pending: 0, running: 0, completed: 2, dead: 0 });
          const keys = handled.map((job) => job.key).sort();
          expect(keys.filter((key) => key === 'job-1').length, 'runs of job-1').toBeGreaterThanOrEqual(1);
          expect(keys.filter((key) => key === 'job-2').length, 'runs of job-2').toBeGreaterThanOrEqual(1);
          for (const job of handled) {
            if (handled.filter((other) => other.key === job.key).length > 1) {
              // Run twice: only because the first result was not recorded, so the second came after the lease.
              const runs = handled.filter((other) => other.key === job.key);
              expect(
                runs[1]!.claimedAt.getTime() - runs[0]!.claimedAt.getTime(),
                `${job.key} ran again before the lease of its unrecorded first run ended`,
              ).toBeGreaterThanOrEqual(options.leaseMs);
            }
          }
        } finally {
          await cluster.close();
        }
      }
    },
  );

  check(
    {
      id: 'bad-options',
      title:
        'createJobQueue, startWorker and stop reject every unusable option with a TypeError or RangeError naming it, and change nothing',
      item: 'code-error-handling',
      weight: 2,
      timeoutMs: 20_000,
      rules: ['bad-options'],
    },
    async ({ impl }) => {
      const testDb = createTestDatabase();
      try {
        for (const bad of BAD_QUEUE_OPTIONS) {
          const outcome = await settle(() =>
            impl.createJobQueue(bad.db === undefined ? testDb.db : (bad.db as never), bad.options as never),
          );
          expectOutcome(
            outcome,
            expectError(bad.error, { mentions: bad.mentions }),
            `createJobQueue(${bad.describe})`,
            classesOf(impl),
          );
        }
        expect(dumpDifference({}, await testDb.dump()), 'tables created by createJobQueue calls that threw').toBe('');
      } finally {
        await testDb.close();
      }
      const cluster = Cluster.create(impl);
      try {
        const { queue } = await cluster.open('A');
        await queue.enqueue('job-1', 'x');
        const before = await cluster.root.dump();
        let ran = 0;
        const handler = () => {
          ran++;
        };
        for (const bad of BAD_WORKER_OPTIONS) {
          const outcome = await settle(() =>
            queue.startWorker((bad.handler === undefined ? handler : bad.handler.value) as never, bad.options as never),
          );
          expectOutcome(
            outcome,
            expectError(bad.error, { mentions: bad.mentions }),
            `startWorker(${bad.describe})`,
            classesOf(impl),
          );
        }
        await cluster.quiesce();
        await cluster.clock.advance(MAX_MS);
        await cluster.quiesce();
        expect(
          dumpDifference(before, await cluster.root.dump()),
          'what startWorker calls that threw changed in the database',
        ).toBe('');
        expect(ran, 'handlers run by workers whose options were refused').toBe(0);

        await queue.enqueue('job-2', 'y', { delayMs: 1_000 });
        let handled = 0;
        const gate = deferred<void>();
        const worker = queue.startWorker(
          () => {
            cluster.activity.bump();
            handled++;
            return gate.promise;
          },
          { concurrency: 1, bufferSize: 0, pollIntervalMs: 1_000 },
        );
        await cluster.quiesce();
        for (const bad of BAD_STOP_OPTIONS) {
          const outcome = await settle(() => worker.stop(bad.options as never));
          expectOutcome(
            outcome,
            expectError(bad.error, { mentions: bad.mentions }),
            `stop(${bad.describe})`,
            classesOf(impl),
          );
        }
        gate.resolve();
        await cluster.quiesce();
        await cluster.clock.advance(1_000);
        await cluster.quiesce();
        expect(handled, 'jobs handled by a worker whose stop() calls were all refused, after its next poll').toBe(2);
      } finally {
        await cluster.close();
      }
    },
  );

  check(
    {
      id: 'bad-arguments',
      title: 'every bad argument to every method is a TypeError or RangeError naming it, and changes nothing',
      item: 'code-error-handling',
      weight: 2,
      rules: ['bad-arguments'],
    },
    async ({ impl }) => {
      const cluster = Cluster.create(impl, { queue: SIMPLE_GIVEN });
      try {
        const a = await cluster.open('A');
        await a.queue.enqueue('otp-1', 'x');
        await a.queue.enqueue('k', 'y');
        await a.queue.claim('w', 1);
        const before = await cluster.root.dump();
        for (const bad of BAD_CALLS) {
          const outcome = await settle(() => bad.call(a.queue));
          expectOutcome(outcome, expectError(bad.error, { mentions: bad.mentions }), bad.describe, classesOf(impl));
        }
        expect(
          dumpDifference(before, await cluster.root.dump()),
          'what the refused calls changed in the database',
        ).toBe('');
      } finally {
        await cluster.close();
      }
    },
  );

  check(
    {
      id: 'defaults',
      title: 'every option left out takes the default the README gives',
      item: 'api-design',
      weight: 2,
      timeoutMs: 20_000,
      rules: ['defaults'],
    },
    async ({ impl }) => {
      await withDatabase(async (testDb) => {
        const before = Date.now();
        const wallClock = impl.createJobQueue(testDb.db);
        await wallClock.init();
        const { job } = await wallClock.enqueue('wall', 'x');
        const after = Date.now();
        expect(
          job.createdAt.getTime() >= before && job.createdAt.getTime() <= after,
          `createdAt ${job.createdAt.toISOString()} with the default clock, enqueued between ${new Date(before).toISOString()} and ${new Date(after).toISOString()}`,
        ).toBe(true);
      });

      await withDatabase(async (testDb) => {
        const clock = createManualClock();
        const queue = impl.createJobQueue(testDb.db, { now: clock.now, sleep: clock.sleep, leaseMs: undefined });
        await queue.init();
        await queue.enqueue('d', 'x');
        const delays: number[] = [];
        for (let attempt = 1; attempt <= 5; attempt++) {
          const [claimed] = await queue.claim('w', 1);
          expect(claimed?.key, `the claim of attempt ${attempt}`).toBe('d');
          expect(claimed!.leaseExpiresAt.getTime() - clock.now(), 'lease with the default leaseMs').toBe(
            DEFAULTS.leaseMs,
          );
          await queue.fail(claimed!, new Error('down'));
          const state = (await queue.getJob('d'))!;
          if (state.status === 'dead') break;
          delays.push(state.runAt.getTime() - clock.now());
          await clock.advance(state.runAt.getTime() - clock.now());
        }
        expect(delays, 'retry delays with the default backoff').toEqual([2_000, 4_000, 8_000, 16_000]);
        expect((await queue.getJob('d'))?.status, 'status after 5 failed attempts (the default maxAttempts)').toBe(
          'dead',
        );
      });

      await withDatabase(async (testDb) => {
        const clock = createManualClock();
        const queue = impl.createJobQueue(testDb.db, {
          now: clock.now,
          sleep: clock.sleep,
          backoffBaseMs: 5_000_000,
          maxAttempts: 3,
        });
        await queue.init();
        await queue.enqueue('big', 'x');
        for (let attempt = 1; attempt <= 2; attempt++) {
          const [claimed] = await queue.claim('w', 1);
          await queue.fail(claimed!, 'x');
          const delay = (await queue.getJob('big'))!.runAt.getTime() - clock.now();
          expect(
            delay,
            `delay ${attempt} with backoffBaseMs 5000000 and no backoffCapMs (the cap is then the base)`,
          ).toBe(5_000_000);
          await clock.advance(delay);
        }
      });

      await withCluster(impl, async (cluster, queue, clock) => {
        for (let index = 0; index < 100; index++) await queue.enqueue(`bulk-${String(index).padStart(3, '0')}`, 'x');
        const started: Kata.ClaimedJob[] = [];
        const gates: ReturnType<typeof deferred<void>>[] = [];
        const worker = queue.startWorker((claimed) => {
          started.push(claimed);
          const gate = deferred<void>();
          gates.push(gate);
          return gate.promise;
        });
        await cluster.quiesce();
        expect(
          typeof worker.workerId === 'string' && worker.workerId !== '',
          `the default workerId ${show(worker.workerId)}`,
        ).toBe(true);
        expect(started.length, 'handlers started with the default concurrency').toBe(DEFAULTS.concurrency);
        expect(started[0]?.workerId, 'the workerId handed to handlers').toBe(worker.workerId);
        expect((await queue.getJob(started[0]!.key))?.claimedBy, 'claimedBy with the default workerId').toBe(
          worker.workerId,
        );
        const held = DEFAULTS.concurrency + DEFAULTS.bufferSize;
        expect((await queue.stats()).running, 'jobs held with the default bufferSize and concurrency').toBe(held);
        for (const gate of gates.splice(0)) gate.resolve();
        await cluster.quiesce();
        await clock.advance(DEFAULTS.pollIntervalMs - 1);
        await cluster.quiesce();
        expect((await queue.stats()).pending, 'pending jobs a millisecond before the default poll interval').toBe(
          100 - held,
        );
        await clock.advance(1);
        await cluster.quiesce();
        expect((await queue.stats()).pending, 'pending jobs once the default poll interval passed').toBe(
          100 - held - DEFAULTS.concurrency,
        );
      });

      await withCluster(impl, async (cluster, queue, clock) => {
        await queue.enqueue('hold', 'x');
        const hold = deferred<void>();
        const holder = queue.startWorker(() => hold.promise, { workerId: 'holder', concurrency: 1, bufferSize: 0 });
        await cluster.quiesce();
        let stopped = false;
        void holder.stop().then(() => {
          stopped = true;
        });
        await cluster.quiesce();
        await clock.advance(DEFAULTS.graceMs - 1);
        await cluster.quiesce();
        expect(stopped, 'stop() resolved before the default graceMs with a handler running').toBe(false);
        await clock.advance(1);
        await cluster.quiesce();
        expect(stopped, 'stop() had not resolved after the default graceMs').toBe(true);
        hold.resolve();
      });
    },
  );

  check(
    {
      id: 'init-again',
      title: 'init() from three instances at once on a new file, and again once jobs exist, changes nothing',
      item: 'distributed-systems',
      weight: 1,
      rules: ['init-idempotent'],
    },
    async ({ impl, seed }) => {
      const options = { ...SIMPLE_OPTIONS, maxAttempts: 1 };
      const cluster = Cluster.create(impl, { seed, maxYields: 2, queue: { ...SIMPLE_GIVEN, maxAttempts: 1 } });
      try {
        const [a, b, c] = await Promise.all([cluster.open('A'), cluster.open('B'), cluster.open('C')]);
        const m = freshModel(options, ['evt-1', 'evt-2', 'evt-3']);
        for (const key of m.keys) await step(m, cluster, a!, { kind: 'enqueue', key, payload: key }, impl);
        await step(m, cluster, b!, { kind: 'claim', workerId: 'w', limit: 2 }, impl);
        await step(m, cluster, b!, { kind: 'fail', claim: m.claims[0]!, thrown: THROWN_VALUES[0]! }, impl);
        const later = await cluster.open('D, started once jobs exist');
        await Promise.all([a!.queue.init(), b!.queue.init(), c!.queue.init(), later.queue.init()]);
        await expectQueueState(
          later.queue,
          m.state,
          options,
          cluster.clock.now(),
          m.keys,
          'after init() again on every instance, read through D',
          classesOf(impl),
        );
        await step(m, cluster, later, { kind: 'complete', claim: m.claims[1]! }, impl);
        await expectQueueState(
          c!.queue,
          m.state,
          options,
          cluster.clock.now(),
          m.keys,
          'after D completed a claim B made before the inits, read through C',
          classesOf(impl),
        );
      } finally {
        await cluster.close();
      }
    },
  );

  check(
    {
      id: 'error-text-for-every-thrown-value',
      title:
        'lastError is the message of an Error (of any subclass) and String(value) of anything else, from fail() and from a handler',
      item: 'code-error-handling',
      weight: 1,
      rules: ['error-text', 'worker-records-results'],
    },
    async ({ impl, seed }) => {
      const options = { ...SIMPLE_OPTIONS, maxAttempts: 1 };
      const cluster = Cluster.create(impl, { seed, queue: { ...SIMPLE_GIVEN, maxAttempts: 1 } });
      try {
        const a = await cluster.open('A');
        const b = await cluster.open('B');
        const keys = THROWN_VALUES.flatMap((_, index) => [`by-fail-${index}`, `by-handler-${index}`]);
        const m = freshModel(options, keys);
        for (const key of keys)
          await step(
            m,
            cluster,
            a,
            { kind: 'enqueue', key, payload: key, options: { priority: key.startsWith('by-fail') ? 1 : 0 } },
            impl,
          );
        for (const [index, thrown] of THROWN_VALUES.entries()) {
          await step(m, cluster, a, { kind: 'claim', workerId: 'direct', limit: 1 }, impl);
          const claim = m.claims.at(-1)!;
          expect(claim.actual.key, 'the job claimed next').toBe(`by-fail-${index}`);
          await step(m, cluster, a, { kind: 'fail', claim, thrown }, impl);
        }
        const worker = b.queue.startWorker(
          (job) => {
            cluster.activity.bump();
            const index = Number(job.key.slice('by-handler-'.length));
            if (index % 2 === 0) throw THROWN_VALUES[index]!.make();
            return Promise.reject(THROWN_VALUES[index]!.make());
          },
          { workerId: 'handlers', concurrency: 3, bufferSize: THROWN_VALUES.length, pollIntervalMs: 1_000 },
        );
        await cluster.quiesce();
        const now = cluster.clock.now();
        for (const [index, thrown] of THROWN_VALUES.entries()) {
          const [claimed] = model.claim(m.state, options, now, 'handlers', 1);
          model.fail(m.state, options, now, claimed!.key, claimed!.token, model.errorText(thrown.make()));
          expect(claimed!.key, 'the job the worker claimed next').toBe(`by-handler-${index}`);
        }
        await expectQueueState(
          a.queue,
          m.state,
          options,
          now,
          keys,
          'after every thrown value was recorded, read through A',
          classesOf(impl),
        );
        void worker.stop({ graceMs: 0 });
      } finally {
        await cluster.close();
      }
    },
  );

  check(
    {
      id: 'keys-compared-exactly',
      title: 'keys that differ in case, a space, punctuation, a combining mark, an emoji or a NUL are different jobs',
      item: 'idempotency',
      weight: 1,
      rules: ['keys-exact', 'enqueue-idempotent'],
    },
    async ({ impl }) => {
      const cluster = Cluster.create(impl);
      try {
        const a = await cluster.open('A');
        const b = await cluster.open('B');
        const m = freshModel(DEFAULT_OPTIONS, KEY_VOCABULARY);
        for (const [index, key] of KEY_VOCABULARY.entries()) {
          await step(m, cluster, a, { kind: 'enqueue', key, payload: `${key}|\u0000|\u{1F4E7}|${index}` }, impl);
        }
        for (const key of KEY_VOCABULARY) await step(m, cluster, b, { kind: 'enqueue', key, payload: 'again' }, impl);
        await expectQueueState(
          b.queue,
          m.state,
          m.options,
          cluster.clock.now(),
          KEY_VOCABULARY,
          'read through B',
          classesOf(impl),
        );
      } finally {
        await cluster.close();
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Helpers of the checks above.
// ---------------------------------------------------------------------------------------------

async function withDatabase(body: (testDb: ReturnType<typeof createTestDatabase>) => Promise<void>): Promise<void> {
  const testDb = createTestDatabase();
  try {
    await body(testDb);
  } finally {
    await testDb.close();
  }
}

/** A cluster of one instance with the default options (the cluster supplies now, sleep and random). */
async function withCluster(
  impl: Impl,
  body: (cluster: Cluster, queue: Kata.JobQueue, clock: Cluster['clock']) => Promise<void>,
): Promise<void> {
  const cluster = Cluster.create(impl);
  try {
    const { queue } = await cluster.open('A');
    await body(cluster, queue, cluster.clock);
  } finally {
    await cluster.close();
  }
}

function revive(impl: Impl, outcome: Settled<unknown>): Outcome<unknown> {
  return outcome.ok ? outcome : { ok: false, error: reviveError(impl, outcome.error) };
}

interface FaultSituation {
  readonly name: string;
  /** Builds the state (through instance A, in step with the model), then names the operation to fault. */
  readonly prepare: (m: QueueModel, cluster: Cluster, a: Instance, impl: Impl) => Promise<Operation>;
}

const FAULT_OPTIONS: model.QueueModelOptions = { ...SIMPLE_OPTIONS, maxAttempts: 2 };
const FAULT_GIVEN = { ...SIMPLE_GIVEN, maxAttempts: 2 };

const FAULT_SITUATIONS: readonly FaultSituation[] = [
  {
    name: 'enqueue of a new key',
    prepare: async () => ({ kind: 'enqueue', key: 'new', payload: 'p', options: { priority: 2 } }),
  },
  {
    name: 'enqueue of a key that exists',
    prepare: async (m, c, a, impl) => {
      await step(m, c, a, { kind: 'enqueue', key: 'old', payload: 'p' }, impl);
      return { kind: 'enqueue', key: 'old', payload: 'q' };
    },
  },
  {
    name: "claim of two jobs, one of them back after its lease ended, while a last attempt's lease ends",
    prepare: async (m, c, a, impl) => {
      await step(m, c, a, { kind: 'enqueue', key: 'j1', payload: 'p', options: { priority: 5 } }, impl);
      await step(m, c, a, { kind: 'enqueue', key: 'j2', payload: 'p' }, impl);
      await step(m, c, a, { kind: 'enqueue', key: 'j3', payload: 'p' }, impl);
      await step(m, c, a, { kind: 'claim', workerId: 'w', limit: 1 }, impl);
      await c.clock.advance(FAULT_OPTIONS.leaseMs);
      await step(m, c, a, { kind: 'claim', workerId: 'w', limit: 1 }, impl);
      await step(m, c, a, { kind: 'claim', workerId: 'w', limit: 1 }, impl);
      await c.clock.advance(FAULT_OPTIONS.leaseMs);
      return { kind: 'claim', workerId: 'w2', limit: 2 };
    },
  },
  ...(['complete', 'release'] as const).map((kind): FaultSituation => ({
    name: `${kind} of a live claim`,
    prepare: async (m, c, a, impl) => {
      await step(m, c, a, { kind: 'enqueue', key: 'j', payload: 'p' }, impl);
      await step(m, c, a, { kind: 'claim', workerId: 'w', limit: 1 }, impl);
      return { kind, claim: m.claims.at(-1)! };
    },
  })),
  {
    name: 'fail that schedules a retry',
    prepare: async (m, c, a, impl) => {
      await step(m, c, a, { kind: 'enqueue', key: 'j', payload: 'p' }, impl);
      await step(m, c, a, { kind: 'claim', workerId: 'w', limit: 1 }, impl);
      return { kind: 'fail', claim: m.claims.at(-1)!, thrown: THROWN_VALUES[1]! };
    },
  },
  {
    name: 'fail that dead-letters the job',
    prepare: async (m, c, a, impl) => {
      await step(m, c, a, { kind: 'enqueue', key: 'j', payload: 'p' }, impl);
      await step(m, c, a, { kind: 'claim', workerId: 'w', limit: 1 }, impl);
      await step(m, c, a, { kind: 'fail', claim: m.claims.at(-1)!, thrown: THROWN_VALUES[0]! }, impl);
      await c.clock.advance(1_000);
      await step(m, c, a, { kind: 'claim', workerId: 'w', limit: 1 }, impl);
      return { kind: 'fail', claim: m.claims.at(-1)!, thrown: THROWN_VALUES[4]! };
    },
  },
  {
    name: 'replay of a dead letter',
    prepare: async (m, c, a, impl) => {
      await step(m, c, a, { kind: 'enqueue', key: 'j', payload: 'p' }, impl);
      for (let attempt = 0; attempt < 2; attempt++) {
        await step(m, c, a, { kind: 'claim', workerId: 'w', limit: 1 }, impl);
        await c.clock.advance(FAULT_OPTIONS.leaseMs);
      }
      return { kind: 'replay', key: 'j' };
    },
  },
  ...(['getJob', 'stats', 'listDeadLetters'] as const).map((kind): FaultSituation => ({
    name: `${kind} while a last attempt's lease has just ended`,
    prepare: async (m, c, a, impl) => {
      await step(m, c, a, { kind: 'enqueue', key: 'j', payload: 'p' }, impl);
      for (let attempt = 0; attempt < 2; attempt++) {
        await step(m, c, a, { kind: 'claim', workerId: 'w', limit: 1 }, impl);
        await c.clock.advance(FAULT_OPTIONS.leaseMs);
      }
      return kind === 'getJob' ? { kind, key: 'j' } : { kind };
    },
  })),
];

/** One fault at statement skip + 1 of the situation's operation; false when the operation ran fewer statements. */
async function faultAt(
  impl: Impl,
  situation: FaultSituation,
  effect: 'error' | 'crash-before' | 'crash-after',
  skip: number,
): Promise<boolean> {
  const cluster = Cluster.create(impl, { queue: FAULT_GIVEN });
  try {
    const a = await cluster.open('A');
    const b = await cluster.open('B');
    const m = freshModel(FAULT_OPTIONS, ['new', 'old', 'j', 'j1', 'j2', 'j3']);
    const operation = await situation.prepare(m, cluster, a, impl);
    const what = `${describeOperation(operation)} (${situation.name}) with ${effect === 'error' ? 'a database error' : `a ${effect}`} at its statement ${skip + 1}`;
    const fault = injectAt(a, effect, skip);
    const thrownValue = operation.kind === 'fail' ? operation.thrown.make() : undefined;
    let outcome: Outcome<unknown> | undefined;
    const call = settle(() => perform(a.queue, operation, thrownValue)).then((settled) => {
      outcome = settled;
    });
    if (effect === 'error') await call;
    else await cluster.quiesce();
    fault.remove();
    if (!fault.fired()) return false;
    const now = cluster.clock.now();
    const before = m.state;
    const prediction = predict(m.state, m.options, now, operation, m.tokens, thrownValue);
    const read = (state: model.QueueState) =>
      settle(() =>
        expectQueueState(b.queue, state, m.options, now, m.keys, `after ${what}, read through B`, classesOf(impl)),
      );
    if (outcome !== undefined && outcome.ok) {
      expectOutcome(outcome, prediction.expected, what, classesOf(impl));
      const after = await read(prediction.next);
      if (!after.ok) throw after.error;
      return true;
    }
    const asBefore = await read(before);
    if (outcome !== undefined) {
      if (!asBefore.ok)
        throw new Error(
          `${what} rejected (${show(outcome)}) but changed the queue: ${(asBefore.error as Error).message}`,
        );
      return true;
    }
    if (asBefore.ok) return true;
    const asAfter = await read(prediction.next);
    if (!asAfter.ok) {
      throw new Error(
        `after ${what}, the queue is neither as before the call nor as after it: ${(asBefore.error as Error).message}`,
      );
    }
    return true;
  } finally {
    await cluster.close();
  }
}

interface BadOption {
  readonly describe: string;
  readonly db?: unknown;
  readonly options?: unknown;
  /** A handler other than the valid one the check passes. */
  readonly handler?: { readonly value: unknown };
  readonly error: 'TypeError' | 'RangeError';
  readonly mentions: readonly string[];
}

const NUMBER_OPTIONS: readonly { name: string; min: number }[] = [
  { name: 'leaseMs', min: 1 },
  { name: 'maxAttempts', min: 1 },
  { name: 'backoffBaseMs', min: 0 },
  { name: 'backoffCapMs', min: 0 },
];

function numberCases(
  name: string,
  min: number,
  max: number,
  wrap: (value: unknown) => Record<string, unknown>,
): BadOption[] {
  const ranged = [min - 1, 1.5, NaN, Infinity, -Infinity, max + 1];
  return [
    { describe: `{ ${name}: '100' }`, options: wrap('100'), error: 'TypeError', mentions: [name, '100'] },
    { describe: `{ ${name}: null }`, options: wrap(null), error: 'TypeError', mentions: [name] },
    { describe: `{ ${name}: true }`, options: wrap(true), error: 'TypeError', mentions: [name] },
    ...ranged.map((value): BadOption => ({
      describe: `{ ${name}: ${String(value)} }`,
      options: wrap(value),
      error: 'RangeError',
      mentions: [name, String(value)],
    })),
  ];
}

const BAD_QUEUE_OPTIONS: readonly BadOption[] = [
  { describe: 'db: null', db: null, error: 'TypeError', mentions: ['db'] },
  { describe: "db: 'jobs.sqlite'", db: 'jobs.sqlite', error: 'TypeError', mentions: ['db'] },
  { describe: 'db: {}', db: {}, error: 'TypeError', mentions: ['db'] },
  { describe: 'db: { prepare() {} }', db: { prepare() {} }, error: 'TypeError', mentions: ['db'] },
  { describe: 'db, 5', options: 5, error: 'TypeError', mentions: ['options'] },
  { describe: 'db, null', options: null, error: 'TypeError', mentions: ['options'] },
  { describe: "db, 'fast'", options: 'fast', error: 'TypeError', mentions: ['options'] },
  ...(['now', 'sleep', 'random'] as const).flatMap((name): BadOption[] => [
    { describe: `{ ${name}: 5 }`, options: { [name]: 5 }, error: 'TypeError', mentions: [name, '5'] },
    { describe: `{ ${name}: null }`, options: { [name]: null }, error: 'TypeError', mentions: [name] },
  ]),
  ...NUMBER_OPTIONS.filter((option) => option.name !== 'backoffCapMs').flatMap(({ name, min }) =>
    numberCases(name, min, MAX_MS, (value) => ({ [name]: value })),
  ),
  ...numberCases('backoffCapMs', 0, MAX_MS, (value) => ({ backoffBaseMs: 0, backoffCapMs: value })),
  {
    describe: '{ backoffBaseMs: 5000, backoffCapMs: 4999 }',
    options: { backoffBaseMs: 5_000, backoffCapMs: 4_999 },
    error: 'RangeError',
    mentions: ['backoffCapMs', '4999'],
  },
  { describe: "{ jitter: 'equal' }", options: { jitter: 'equal' }, error: 'RangeError', mentions: ['jitter', 'equal'] },
  { describe: "{ jitter: 'Full' }", options: { jitter: 'Full' }, error: 'RangeError', mentions: ['jitter', 'Full'] },
  { describe: "{ jitter: '' }", options: { jitter: '' }, error: 'RangeError', mentions: ['jitter'] },
  { describe: '{ jitter: true }', options: { jitter: true }, error: 'TypeError', mentions: ['jitter'] },
  { describe: '{ jitter: 1 }', options: { jitter: 1 }, error: 'TypeError', mentions: ['jitter', '1'] },
];

const BAD_WORKER_OPTIONS: readonly BadOption[] = [
  ...[undefined, null, 'send', 5, {}].map((value): BadOption => ({
    describe: `handler ${show(value)}`,
    handler: { value },
    error: 'TypeError',
    mentions: ['handler'],
  })),
  { describe: 'handler, 5', options: 5, error: 'TypeError', mentions: ['options'] },
  { describe: 'handler, null', options: null, error: 'TypeError', mentions: ['options'] },
  { describe: '{ workerId: 7 }', options: { workerId: 7 }, error: 'TypeError', mentions: ['workerId', '7'] },
  { describe: '{ workerId: null }', options: { workerId: null }, error: 'TypeError', mentions: ['workerId'] },
  { describe: "{ workerId: '' }", options: { workerId: '' }, error: 'RangeError', mentions: ['workerId'] },
  ...numberCases('concurrency', 1, 1_000, (value) => ({ concurrency: value })),
  ...numberCases('bufferSize', 0, 10_000, (value) => ({ bufferSize: value })),
  ...numberCases('pollIntervalMs', 1, MAX_MS, (value) => ({ pollIntervalMs: value })),
];

const BAD_STOP_OPTIONS: readonly BadOption[] = [
  { describe: '5', options: 5, error: 'TypeError', mentions: ['options'] },
  { describe: 'null', options: null, error: 'TypeError', mentions: ['options'] },
  ...numberCases('graceMs', 0, MAX_MS, (value) => ({ graceMs: value })),
];
