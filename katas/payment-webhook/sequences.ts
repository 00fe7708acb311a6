/**
 * Model-based command sequences over the whole API: what a run is set up with (options drawn from
 * their whole valid range, a small universe of payments and events with ids from a wide
 * vocabulary), the commands (deliveries through either entry point, forged and stale signatures,
 * malformed payloads, reused keys, replays, purges, clock moves to each deadline, restarts,
 * database failures and crashes between any two statements), and how each is compared with the
 * model. After every step the other app instance reads every status, every subscription and the
 * dead-letter queue, and the subscription service's calls are checked for their keys.
 */
import fc from 'fast-check';
import { command, settle, show, type ModelSetup } from '../../harness/kit/index.ts';
import { expectError, expectValue, outcomeDifference, satisfies, type Expected } from '../../harness/kit/expected.ts';
import { faultTargets } from '../../harness/kit/db/index.ts';
import {
  deliver,
  interruptedDelivery,
  interruptedReplay,
  purge,
  replay,
  DEFAULT_OPTIONS,
  type Answer,
  type Candidate,
  type Context,
  type ModelOptions,
  type Option,
  type Webhook,
} from './model.ts';
import {
  Explorer,
  callsDifference,
  describeSettled,
  optionBranch,
  readAll,
  readsDifference,
  type Branch,
} from './explorer.ts';
import { UNAVAILABLE, fail, hang, lost, type ServiceCall } from './service.ts';
import { SIGNATURE_HEADER, signature, signedDelivery } from './signing.ts';
import { World, runWithClock, type HandlerOptions, type Instance, type Settled } from './world.ts';
import type * as Kata from './index.ts';

type Impl = typeof Kata;
const DAY_MS = 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// What a run is set up with

export interface Universe {
  readonly events: readonly Webhook[];
  /** Every payment id a command may name, the universe's and the ones reused keys introduce. */
  readonly paymentIds: readonly string[];
}

export interface RunSetup {
  /** The options handed to createPaymentWebhookHandler (undefined: left out, the default). */
  readonly options: {
    readonly leaseMs: number | undefined;
    readonly maxAttempts: number | undefined;
    readonly baseDelayMs: number | undefined;
    readonly retentionMs: number | undefined;
    readonly toleranceMs: number | undefined;
  };
  readonly secret: string | readonly string[];
  readonly universe: Universe;
}

const PAYMENT_IDS = [
  'pay_1',
  'PAY_1',
  'pay-2',
  'pay.3',
  'pay 4',
  'päy_5',
  'pay_🧾',
  'pe\u0301',
  'pé',
  ' pay_1',
  'pay_1 ',
  'p'.repeat(255),
];
const USER_IDS = ['user_1', 'USER_1', 'u-2', 'ü', '👤 3', 'user\u0301', ' user_1', 'u'.repeat(255)];
const KEYS = ['evt_1', 'EVT_1', 'evt-2', 'evt.3', 'evt 4', 'ëvt_5', 'evt_🎟', 'e\u0301', 'k', 'k'.repeat(255), 'évt'];
const AMOUNTS = [1, 4900, 4901, 123_456_789, Number.MAX_SAFE_INTEGER];
const SECRETS = ['whsec_a1', 'whsec_B2', 'whsec_ünï', 'whsec_' + 'x'.repeat(40)];
export const UNKNOWN_SECRETS = ['whsec_attacker', 'whsec_retired'];

const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 3 });
/** 0 now and then: the README leaves it to the implementation, which may reject it (the run ends there). */
const rarelyZero = (arbitrary: fc.Arbitrary<number>) =>
  fc.oneof({ weight: 15, arbitrary }, { weight: 1, arbitrary: fc.constant(0) });

export const setupArbitrary: fc.Arbitrary<RunSetup> = fc
  .record({
    options: fc.record({
      leaseMs: optional(fc.oneof(fc.integer({ min: 1, max: 120_000 }), fc.constantFrom(1, 2, 1_000, 30_000, 2 ** 40))),
      maxAttempts: optional(fc.integer({ min: 1, max: 6 })),
      baseDelayMs: optional(rarelyZero(fc.oneof(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom(1, 2 ** 30)))),
      retentionMs: optional(rarelyZero(fc.oneof(fc.integer({ min: 1, max: 10 * DAY_MS }), fc.constantFrom(1, 60_000)))),
      toleranceMs: optional(
        rarelyZero(
          fc.oneof(
            { weight: 4, arbitrary: fc.integer({ min: 1_000, max: 900_000 }) },
            { weight: 1, arbitrary: fc.constantFrom(1, 999, 2 ** 40) },
          ),
        ),
      ),
    }),
    secret: fc.oneof(
      fc.constantFrom(...SECRETS),
      fc.uniqueArray(fc.constantFrom(...SECRETS), { minLength: 1, maxLength: 3 }),
    ),
    paymentIds: fc.uniqueArray(fc.constantFrom(...PAYMENT_IDS), { minLength: 1, maxLength: 2 }),
    users: fc.array(fc.constantFrom(...USER_IDS), { minLength: 3, maxLength: 3 }),
    keys: fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 2, maxLength: 5 }),
  })
  .chain(({ options, secret, paymentIds, users, keys }) =>
    fc
      .array(
        fc.record({
          payment: fc.nat({ max: paymentIds.length - 1 }),
          status: fc.constantFrom<Webhook['status']>('pending', 'failed', 'success', 'success'),
          amount: fc.constantFrom(...AMOUNTS),
        }),
        { minLength: keys.length, maxLength: keys.length },
      )
      .map((drawn) => ({
        options,
        secret,
        universe: {
          paymentIds,
          events: drawn.map(({ payment, status, amount }, index) => ({
            paymentId: paymentIds[payment]!,
            status,
            amount,
            userId: users[payment]!,
            idempotencyKey: keys[index]!,
          })),
        },
      })),
  );

/** A run with every option at its default and one success event: the first run of each model check. */
export const FIXED_SETUP: RunSetup = {
  options: {
    leaseMs: undefined,
    maxAttempts: undefined,
    baseDelayMs: undefined,
    retentionMs: undefined,
    toleranceMs: undefined,
  },
  secret: SECRETS[0]!,
  universe: {
    paymentIds: ['pay_1'],
    events: [
      { paymentId: 'pay_1', status: 'success', amount: 4900, userId: 'user_1', idempotencyKey: 'evt_1' },
      { paymentId: 'pay_1', status: 'pending', amount: 4900, userId: 'user_1', idempotencyKey: 'evt_0' },
    ],
  },
};

export function describeSetup(setup: RunSetup): string {
  const options = Object.entries(setup.options)
    .map(([name, value]) => `${name} ${value === undefined ? '(default)' : value}`)
    .join(', ');
  const events = setup.universe.events
    .map(
      (event) =>
        `${show(event.idempotencyKey)}: ${show(event.paymentId)} ${event.status} ${event.amount} ${show(event.userId)}`,
    )
    .join('; ');
  return `${options}, secret ${show(setup.secret)}, events ${events}`;
}

function modelOptions(setup: RunSetup): ModelOptions {
  const pick = (name: keyof ModelOptions) => setup.options[name] ?? DEFAULT_OPTIONS[name];
  return {
    leaseMs: pick('leaseMs'),
    maxAttempts: pick('maxAttempts'),
    baseDelayMs: pick('baseDelayMs'),
    retentionMs: pick('retentionMs'),
    toleranceMs: pick('toleranceMs'),
  };
}

export function secretsOf(setup: RunSetup): readonly string[] {
  return typeof setup.secret === 'string' ? [setup.secret] : setup.secret;
}

// ---------------------------------------------------------------------------------------------
// The run

export interface Run {
  readonly world: World;
  readonly setup: RunSetup;
  readonly impl: Impl;
  /** Payment ids any command named so far (read after every step). */
  readonly paymentIds: Set<string>;
  /** The event the last delivery command delivered (the provider redelivers it). */
  lastDelivered?: Webhook;
  /** False when the handler rejected a zero option, as the README allows: nothing to run then. */
  readonly active: boolean;
}

export interface RunState {
  readonly explorer: Explorer;
  readonly run: Run;
}

/** Sets up a run for runCommands: the world, the model, and a description of the options. */
export async function startRun(impl: Impl, setup: RunSetup, seed: number): Promise<ModelSetup<RunState, RunState>> {
  const handlerOptions: HandlerOptions = {
    secret: setup.secret,
    ...Object.fromEntries(Object.entries(setup.options).filter(([, value]) => value !== undefined)),
  };
  const explorer = new Explorer(modelOptions(setup), impl as unknown as Record<string, unknown>);
  const description = describeSetup(setup);
  let world: World;
  try {
    world = await World.create(impl, { handler: handlerOptions, database: { seed }, instances: 2 });
  } catch (error) {
    const zeros = Object.entries(setup.options)
      .filter(([, value]) => value === 0)
      .map(([name]) => name);
    const named = zeros.find((name) => error instanceof TypeError && error.message.includes(name));
    if (named === undefined) {
      throw new Error(`createPaymentWebhookHandler rejected valid options (${description}): ${show(error)}`);
    }
    const inert = {
      explorer,
      run: { world: undefined as unknown as World, setup, impl, paymentIds: new Set<string>(), active: false },
    };
    return { model: inert, real: inert, description };
  }
  const state: RunState = {
    explorer,
    run: { world, setup, impl, paymentIds: new Set(setup.universe.paymentIds), active: true },
  };
  return { model: state, real: state, description, teardown: () => world.close() };
}

/** The calls the subscription service received since `from`. */
function callsSince(world: World, from: number): ServiceCall[] {
  return world.service.calls.slice(from);
}

/** Checks the calls' keys, then reads everything through `via` and compares with every state. */
export async function afterStep(state: RunState, via: Instance, what: string): Promise<void> {
  const problems = state.run.world.service.problems();
  if (problems.length > 0) throw new Error(`after ${what}, ${problems[0]}`);
  const instances = [
    via,
    ...state.run.world.instances.filter((instance) => instance !== via && !instance.database.crashed),
  ];
  for (const [index, instance] of instances.entries()) {
    const reads = await readAll(instance.handler, state.run.paymentIds);
    const which = index === 0 ? 'the other instance' : 'the instance that made the call';
    state.explorer.advance(`after ${what}, reading through ${which}:`, (candidate) => [
      { next: candidate, difference: readsDifference(candidate, reads) },
    ]);
  }
}

function context(state: RunState, calls: () => readonly ServiceCall[], answers: readonly Answer[]): Context {
  return {
    options: state.explorer.options,
    answers,
    subscriptionIdOf: (index) => calls()[index]?.subscriptionId ?? '(no call was made)',
  };
}

// ---------------------------------------------------------------------------------------------
// Deliveries through either entry point

type Via =
  | { readonly kind: 'handle' }
  | {
      readonly kind: 'receive';
      /** Which letter case the header's name is sent in. */
      readonly headerCase: number;
      /** Indices into the configured secrets followed by UNKNOWN_SECRETS, one v1 each. */
      readonly signers: readonly number[];
      readonly withV0: boolean;
      /** Where t lies: now, or the oldest or newest second the tolerance accepts. */
      readonly time: 'now' | 'oldest' | 'newest';
      /** How the body is written: compact, indented, keys reversed, \u escapes, 4900.0. */
      readonly format: number;
    };

const HEADER_CASES = [SIGNATURE_HEADER, 'Payment-Signature', 'PAYMENT-SIGNATURE', 'pAYMENT-sIGNATURE'];

const viaArbitrary: fc.Arbitrary<Via> = fc.oneof(
  fc.constant<Via>({ kind: 'handle' }),
  fc.record({
    kind: fc.constant('receive' as const),
    headerCase: fc.nat({ max: HEADER_CASES.length - 1 }),
    signers: fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 3 }),
    withV0: fc.boolean(),
    time: fc.constantFrom('now' as const, 'oldest' as const, 'newest' as const),
    format: fc.nat({ max: 4 }),
  }),
);

export function formatBody(webhook: unknown, format: number): string {
  const compact = JSON.stringify(webhook);
  switch (format % 5) {
    case 1:
      return `${JSON.stringify(webhook, null, 2)}\n`;
    case 2:
      return typeof webhook === 'object' && webhook !== null && !Array.isArray(webhook)
        ? JSON.stringify(Object.fromEntries(Object.entries(webhook).reverse()))
        : compact;
    case 3:
      return compact.replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
    case 4:
      return compact.replace(/"amount":(\d+)(?=[,}])/, '"amount":$1.0');
    default:
      return compact;
  }
}

function timestampFor(now: number, toleranceMs: number, time: 'now' | 'oldest' | 'newest'): number {
  if (time === 'oldest') return Math.ceil((now - toleranceMs) / 1000);
  if (time === 'newest') return Math.floor((now + toleranceMs) / 1000);
  return Math.round(now / 1000);
}

const fresh = (now: number, toleranceMs: number, t: number) => Math.abs(now - t * 1000) <= toleranceMs;

function genuineDelivery(state: RunState, payload: unknown, via: Extract<Via, { kind: 'receive' }>, now: number) {
  const configured = secretsOf(state.run.setup);
  const pool = [...configured, ...UNKNOWN_SECRETS];
  const secrets = via.signers.map((index) => pool[index % pool.length]!);
  if (!secrets.some((secret) => configured.includes(secret))) secrets.push(configured[0]!);
  const t = timestampFor(now, state.explorer.options.toleranceMs, via.time);
  const delivery = signedDelivery(formatBody(payload, via.format), {
    secrets,
    timestampSeconds: t,
    headerName: HEADER_CASES[via.headerCase]!,
    withV0: via.withV0,
  });
  return { delivery, fresh: fresh(now, state.explorer.options.toleranceMs, t) };
}

const rejectedReply = (reason: string) => ({ outcome: 'rejected', httpStatus: 401, reason });

function viaLabel(via: Via): string {
  if (via.kind === 'handle') return 'handlePaymentWebhook';
  return `receiveWebhook (${HEADER_CASES[via.headerCase]}, ${via.signers.length} v1${via.withV0 ? ' and a v0' : ''}, t ${via.time}, body format ${via.format})`;
}

// ---------------------------------------------------------------------------------------------
// Commands

const errorArbitrary = fc.constantFrom<() => unknown>(
  () => new Error(UNAVAILABLE),
  () => new Error('timed out after 10 s'),
  () => new TypeError('fetch failed'),
  () => new Error(''),
  () => 'ECONNRESET',
  () => undefined,
);

export const answersArbitrary: fc.Arbitrary<Answer[]> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Answer[]>([]) },
  { weight: 3, arbitrary: fc.constant<Answer[]>([hang as Answer]) },
  {
    weight: 3,
    arbitrary: fc.array(
      fc
        .tuple(fc.boolean(), errorArbitrary)
        .map(([created, error]) => (created ? lost(error()) : fail(error())) as Answer),
      { minLength: 1, maxLength: 7 },
    ),
  },
);

function describeAnswers(answers: readonly Answer[]): string {
  if (answers.length === 0) return '';
  const each = answers.map((answer) =>
    answer.kind === 'ok' || answer.kind === 'hang'
      ? answer.kind
      : `${answer.kind}(${answer.error instanceof Error ? show(answer.error.message) : show(answer.error)})`,
  );
  return `, the service answering ${each.join(', ')}, then ok`;
}

/** Runs a delivery or replay against the world and the model, then reads. */
export async function step(
  state: RunState,
  instanceIndex: number,
  what: string,
  answers: readonly Answer[],
  call: (handler: Kata.PaymentWebhookHandler) => Promise<unknown>,
  options: (candidate: Candidate, now: number, context: Context) => readonly Option[],
  key: string,
): Promise<void> {
  const { world } = state.run;
  const instance = world.alive(instanceIndex);
  const now = world.clock.now();
  const from = world.service.calls.length;
  const stuck = world.service.stuck;
  world.service.plan(...answers);
  let settled: Settled<unknown>;
  try {
    settled = await runWithClock(() => call(instance.handler), world.clock, {
      stuck: () => world.service.stuck > stuck,
    });
  } finally {
    world.service.unplan();
  }
  const calls = callsSince(world, from);
  const ctx = context(state, () => calls, answers);
  state.explorer.advance(what, (candidate) =>
    options(candidate, now, ctx).map((option) =>
      optionBranch(option, settled, calls, now, key, state.explorer.classes),
    ),
  );
  await afterStep(state, world.alive(instanceIndex + 1), what);
}

/** A success event (only those call the subscription service), or any event if none is. */
function successEventIndex(state: RunState, index: number): number {
  const events = state.run.setup.universe.events;
  const successes = events
    .map((event, position) => [event, position] as const)
    .filter(([event]) => event.status === 'success');
  return successes.length === 0 ? index : successes[index % successes.length]![1];
}

function eventOf(state: RunState, index: number): Webhook {
  const events = state.run.setup.universe.events;
  return events[index % events.length]!;
}

function deliveryCommandDescription({ event, via, instance, answers }: DeliveryArgs): string {
  return `instance ${instance + 1} gets event #${event} by ${viaLabel(via)}${describeAnswers(answers)}`;
}

interface DeliveryArgs {
  readonly event: number;
  readonly via: Via;
  readonly instance: number;
  readonly answers: readonly Answer[];
}

const deliveryCommand = command<RunState, RunState, DeliveryArgs>({
  args: fc.record({ event: fc.nat(), via: viaArbitrary, instance: fc.nat({ max: 1 }), answers: answersArbitrary }),
  describe: deliveryCommandDescription,
  check: (state) => state.run.active,
  run: (state, _real, args) => runDelivery(state, args),
});

async function runDelivery(state: RunState, args: DeliveryArgs, again = false): Promise<void> {
  const webhook = again ? redeliveryTarget(state, args.event) : eventOf(state, args.event);
  state.run.lastDelivered = webhook;
  const what = `delivering ${show(webhook.idempotencyKey)} (${webhook.status} of ${show(webhook.paymentId)}) by ${viaLabel(args.via)} on instance ${args.instance + 1}${describeAnswers(args.answers)}:`;
  if (args.via.kind === 'handle') {
    await step(
      state,
      args.instance,
      `${what} handlePaymentWebhook`,
      args.answers,
      (handler) => handler.handlePaymentWebhook(webhook),
      (candidate, now, ctx) => deliver(candidate, webhook, now, ctx),
      webhook.idempotencyKey,
    );
    return;
  }
  const now = state.run.world.clock.now();
  const { delivery, fresh: isFresh } = genuineDelivery(state, webhook, args.via, now);
  await step(
    state,
    args.instance,
    `${what} receiveWebhook`,
    args.answers,
    (handler) => handler.receiveWebhook(delivery),
    (candidate, at, ctx) =>
      isFresh
        ? deliver(candidate, webhook, at, ctx)
        : [{ label: 'the README', reply: rejectedReply('stale-timestamp') as never, calls: [], next: candidate }],
    webhook.idempotencyKey,
  );
}

/**
 * What the provider redelivers: an event that never got its answer (still in progress, its
 * holder hung or crashed) if there is one, else the event delivered last.
 */
function redeliveryTarget(state: RunState, fallback: number): Webhook {
  const unanswered = Object.values(state.explorer.first.events).find((event) => event.state === 'working');
  return unanswered?.webhook ?? state.run.lastDelivered ?? eventOf(state, fallback);
}

/** The provider redelivers an unanswered or the last event, on either instance. */
const redeliveryCommand = command<RunState, RunState, DeliveryArgs>({
  args: fc.record({ event: fc.nat(), via: viaArbitrary, instance: fc.nat({ max: 1 }), answers: answersArbitrary }),
  describe: ({ via, instance, answers }) =>
    `instance ${instance + 1} gets an unanswered or the last event again by ${viaLabel(via)}${describeAnswers(answers)}`,
  check: (state) => state.run.active,
  run: (state, _real, args) => runDelivery(state, args, true),
});

type Field = 'paymentId' | 'status' | 'amount' | 'userId';

/** The next word of the vocabulary after `value` (so ids stay within the README's valid range). */
function otherThan(words: readonly string[], value: string): string {
  return words[(words.indexOf(value) + 1) % words.length]!;
}

const reusedKeyCommand = command<RunState, RunState, { event: number; field: Field; instance: number }>({
  args: fc.record({
    event: fc.nat(),
    // Not paymentId: a key names one event of one payment. Reusing one for another payment is
    // checked while the first is remembered (payload-mismatch); here a purge could make the
    // second payment's delivery look new, which the README leaves undefined.
    field: fc.constantFrom<Field>('status', 'amount', 'userId'),
    instance: fc.nat({ max: 1 }),
  }),
  describe: ({ event, field, instance }) => `instance ${instance + 1} gets event #${event}'s key with another ${field}`,
  check: (state) => state.run.active,
  async run(state, _real, { event, field, instance }) {
    const original = eventOf(state, event);
    const others = state.run.setup.universe.events;
    const changed: Webhook = {
      ...original,
      ...(field === 'paymentId'
        ? {
            paymentId:
              others.find((other) => other.paymentId !== original.paymentId)?.paymentId ??
              otherThan(PAYMENT_IDS, original.paymentId),
          }
        : field === 'status'
          ? { status: original.status === 'success' ? 'pending' : 'success' }
          : field === 'amount'
            ? { amount: original.amount === Number.MAX_SAFE_INTEGER ? 1 : original.amount + 1 }
            : { userId: otherThan(USER_IDS, original.userId) }),
    };
    state.run.paymentIds.add(changed.paymentId);
    await step(
      state,
      instance,
      `delivering ${show(original.idempotencyKey)} with ${field} ${show(changed[field])} instead of ${show(original[field])} on instance ${instance + 1}:`,
      [],
      (handler) => handler.handlePaymentWebhook(changed),
      (candidate, now, ctx) => deliver(candidate, changed, now, ctx),
      changed.idempotencyKey,
    );
  },
});

type Forgery =
  | 'missing'
  | 'empty'
  | 'wrong-secret'
  | 'tampered'
  | 'no-t'
  | 'no-v1'
  | 'other-t'
  | 'truncated'
  | 'not-hex'
  | 'suffixed'
  | 'prefixed'
  | 'uppercase'
  | 'v0-only'
  | 't-nan'
  | 't-prefixed'
  | 'stale-old'
  | 'stale-new';

const FORGERIES: readonly Forgery[] = [
  'missing',
  'empty',
  'wrong-secret',
  'tampered',
  'no-t',
  'no-v1',
  'other-t',
  'truncated',
  'not-hex',
  'suffixed',
  'prefixed',
  'uppercase',
  'v0-only',
  't-nan',
  't-prefixed',
  'stale-old',
  'stale-new',
];

/** The delivery, and the reasons the README allows for rejecting it. */
export function forged(
  webhook: unknown,
  forgery: Forgery,
  secrets: readonly string[],
  now: number,
  toleranceMs: number,
  headerCase = 0,
): { delivery: Kata.SignedDelivery; reasons: readonly string[] } {
  const name = HEADER_CASES[headerCase % HEADER_CASES.length]!;
  const body = JSON.stringify(webhook);
  const t = Math.round(now / 1000);
  // A forged signature whose timestamp is also stale may be rejected for either reason.
  const bad = fresh(now, toleranceMs, t) ? ['bad-signature'] : ['bad-signature', 'stale-timestamp'];
  const header = (value: string) => ({ rawBody: body, headers: { 'content-type': 'application/json', [name]: value } });
  const good = signature(body, secrets[0]!, t);
  switch (forgery) {
    case 'missing':
      return {
        delivery: { rawBody: body, headers: { 'content-type': 'application/json' } },
        reasons: ['missing-signature'],
      };
    case 'empty':
      return { delivery: header(''), reasons: ['missing-signature'] };
    case 'wrong-secret':
      return {
        delivery: header(`t=${t},${UNKNOWN_SECRETS.map((secret) => `v1=${signature(body, secret, t)}`).join(',')}`),
        reasons: bad,
      };
    case 'tampered': {
      const record = webhook as Record<string, unknown>;
      const changed = JSON.stringify({ ...record, amount: (record.amount as number) === 1 ? 2 : 1 });
      return { delivery: { ...header(`t=${t},v1=${good}`), rawBody: changed }, reasons: bad };
    }
    case 'no-t':
      // Also the HMAC a handler computes when it signs a missing t as `${undefined}`.
      return {
        delivery: header(`v1=${good},v1=${signature(body, secrets[0]!, 'undefined')}`),
        reasons: ['bad-signature'],
      };
    case 'no-v1':
      return { delivery: header(`t=${t}`), reasons: ['bad-signature'] };
    case 'other-t':
      return { delivery: header(`t=${t},v1=${signature(body, secrets[0]!, t - 1)}`), reasons: bad };
    case 'truncated':
      return { delivery: header(`t=${t},v1=${good.slice(0, 32)}`), reasons: bad };
    case 'not-hex':
      return { delivery: header(`t=${t},v1=${'z'.repeat(64)}`), reasons: bad };
    case 'suffixed':
      // The genuine signature with something after it is not the lowercase hex HMAC.
      return { delivery: header(`t=${t},v1=${good}zz`), reasons: bad };
    case 'prefixed':
      return { delivery: header(`t=${t},v1=zz${good}`), reasons: bad };
    case 'uppercase':
      // The right HMAC in upper-case hex: the README's v1 is the lowercase hex, compared exactly.
      return { delivery: header(`t=${t},v1=${good.toUpperCase()}`), reasons: bad };
    case 'v0-only':
      // Another scheme's entry is ignored, even when it carries the right HMAC.
      return { delivery: header(`t=${t},v0=${good}`), reasons: ['bad-signature'] };
    case 't-nan':
    case 't-prefixed': {
      // A t that is not a number of seconds is no time within the tolerance, whatever was signed
      // with it: v1 entries over the text as sent and over the number it reads as (NaN).
      const text = forgery === 't-nan' ? 'NaN' : `x${t}`;
      const entries = [signature(body, secrets[0]!, text), signature(body, secrets[0]!, 'NaN')];
      return {
        delivery: header(`t=${text},${entries.map((entry) => `v1=${entry}`).join(',')}`),
        reasons: ['bad-signature', 'stale-timestamp'],
      };
    }
    case 'stale-old':
    case 'stale-new': {
      const stale =
        forgery === 'stale-old'
          ? Math.ceil((now - toleranceMs) / 1000) - 1
          : Math.floor((now + toleranceMs) / 1000) + 1;
      return { delivery: header(`t=${stale},v1=${signature(body, secrets[0]!, stale)}`), reasons: ['stale-timestamp'] };
    }
  }
}

const forgedCommand = command<
  RunState,
  RunState,
  { event: number; forgery: Forgery; instance: number; headerCase: number }
>({
  args: fc.record({
    event: fc.nat(),
    forgery: fc.constantFrom(...FORGERIES),
    instance: fc.nat({ max: 1 }),
    headerCase: fc.nat({ max: HEADER_CASES.length - 1 }),
  }),
  describe: ({ event, forgery, instance }) =>
    `instance ${instance + 1} gets event #${event} with a ${forgery} signature`,
  check: (state) => state.run.active,
  async run(state, _real, { event, forgery, instance, headerCase }) {
    const webhook = eventOf(state, event);
    const now = state.run.world.clock.now();
    const { delivery, reasons } = forged(
      webhook,
      forgery,
      secretsOf(state.run.setup),
      now,
      state.explorer.options.toleranceMs,
      headerCase,
    );
    await rejectionStep(
      state,
      instance,
      `delivering ${show(webhook.idempotencyKey)} with a ${forgery} signature on instance ${instance + 1}: receiveWebhook`,
      (handler) => handler.receiveWebhook(delivery),
      rejectionFor(reasons),
    );
  },
});

/** A 401 rejection with one of the reasons the README allows. */
export function rejectionFor(reasons: readonly string[]): Expected<unknown> {
  return expectValue({
    outcome: 'rejected',
    httpStatus: 401,
    reason:
      reasons.length === 1
        ? reasons[0]
        : satisfies(`one of ${reasons.join(', ')}`, (value) => reasons.includes(value as string)),
  });
}

/** A call the model says changes nothing and calls nothing: only its outcome is compared. */
async function rejectionStep(
  state: RunState,
  instanceIndex: number,
  what: string,
  call: (handler: Kata.PaymentWebhookHandler) => Promise<unknown>,
  expected: ReturnType<typeof expectValue> | ReturnType<typeof expectError>,
): Promise<void> {
  const { world } = state.run;
  const instance = world.alive(instanceIndex);
  const now = world.clock.now();
  const from = world.service.calls.length;
  const outcome = await settle(() => call(instance.handler));
  const calls = callsSince(world, from);
  state.explorer.advance(what, (candidate) => {
    const difference = outcomeDifference(outcome, expected, state.explorer.classes) ?? callsDifference(calls, [], now);
    return [{ next: candidate, difference }];
  });
  await afterStep(state, world.alive(instanceIndex + 1), what);
}

/**
 * What the message of an InvalidWebhookError must show of the value received: the README allows
 * the value, or its type, or that it was missing, so each pattern accepts the value's text or its
 * type's name (`typeof`, with `null` and `array` for those).
 */
export function receivedPattern(value: unknown): RegExp {
  if (value === undefined) return /undefined|missing|nothing|absent|not (?:set|present|given)|required/i;
  if (value === null) return /null|[Oo]bject/;
  if (typeof value === 'number') return new RegExp(`${String(value).replace(/[.+]/g, '\\$&')}|[Nn]umber`);
  if (typeof value === 'boolean') return new RegExp(`${value}|[Bb]oolean`);
  if (typeof value === 'string') {
    if (value === '') return /""|''|empty|length 0|0 characters|string/i;
    if (value.length > 40) return new RegExp(`${value.length}|${escapeRegExp(value.slice(0, 20))}|[Ss]tring`);
    return new RegExp(`${escapeRegExp(value)}|[Ss]tring`);
  }
  if (Array.isArray(value)) return /array|\[|object/i;
  return /object|\{/i;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface MalformedCase {
  readonly field: 'paymentId' | 'status' | 'amount' | 'userId' | 'idempotencyKey' | 'payload';
  /** The field's value (or, for 'payload', the whole payload); undefined leaves the field out. */
  readonly value: unknown;
}

export const MALFORMED_CASES: readonly MalformedCase[] = [
  ...['SUCCESS', 'Success', 'refunded', '', ' success', 42, null, undefined].map((value) => ({
    field: 'status' as const,
    value,
  })),
  ...[
    0,
    -1,
    -4900,
    1.5,
    0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    2 ** 53,
    2 ** 64,
    '4900',
    null,
    undefined,
    true,
  ].map((value) => ({ field: 'amount' as const, value })),
  ...['', 'k'.repeat(256), 'é'.repeat(256), 42, null, undefined, ['evt_1']].map((value) => ({
    field: 'idempotencyKey' as const,
    value,
  })),
  ...[42, null, undefined, { id: 'pay_1' }, ['pay_1']].map((value) => ({ field: 'paymentId' as const, value })),
  ...[42, null, undefined, true].map((value) => ({ field: 'userId' as const, value })),
  ...[null, [], ['pay_1'], 'pay_1', 7, true].map((value) => ({ field: 'payload' as const, value })),
];

export function malformedPayload(webhook: Webhook, malformed: MalformedCase): unknown {
  if (malformed.field === 'payload') return malformed.value;
  const payload: Record<string, unknown> = { ...webhook };
  if (malformed.value === undefined) delete payload[malformed.field];
  else payload[malformed.field] = malformed.value;
  return payload;
}

/** The error the README requires for a malformed payload, as it arrives (after JSON, for receiveWebhook). */
export function malformedError(malformed: MalformedCase, viaJson: boolean) {
  const value = viaJson && malformed.field !== 'payload' ? roundTrip(malformed.value) : malformed.value;
  const field =
    malformed.field === 'payload'
      ? satisfies('"body" or "webhook"', (name) => name === 'body' || name === 'webhook')
      : malformed.field;
  return expectError('InvalidWebhookError', {
    code: 'ERR_INVALID_WEBHOOK',
    fields: { field },
    mentions: [receivedPattern(value)],
  });
}

function roundTrip(value: unknown): unknown {
  const text = JSON.stringify({ value });
  return (JSON.parse(text) as { value?: unknown }).value;
}

const malformedCommand = command<
  RunState,
  RunState,
  { event: number; which: number; viaJson: boolean; instance: number }
>({
  args: fc.record({
    event: fc.nat(),
    which: fc.nat({ max: MALFORMED_CASES.length - 1 }),
    viaJson: fc.boolean(),
    instance: fc.nat({ max: 1 }),
  }),
  describe: ({ event, which, viaJson }) => {
    const malformed = MALFORMED_CASES[which]!;
    return `event #${event} with ${malformed.field} = ${show(malformed.value)} ${viaJson ? 'signed, by receiveWebhook' : 'by handlePaymentWebhook'}`;
  },
  check: (state) => state.run.active,
  async run(state, _real, { event, which, viaJson, instance }) {
    const malformed = MALFORMED_CASES[which]!;
    const payload = malformedPayload(eventOf(state, event), malformed);
    const now = state.run.world.clock.now();
    const t = Math.round(now / 1000);
    const secrets = secretsOf(state.run.setup);
    const what = `delivering ${malformed.field === 'payload' ? 'the payload' : malformed.field} ${show(malformed.value)} ${viaJson ? 'by receiveWebhook, genuinely signed' : 'by handlePaymentWebhook'}:`;
    if (viaJson && !fresh(now, state.explorer.options.toleranceMs, t)) return;
    const delivery = signedDelivery(JSON.stringify(payload) ?? 'null', { secrets: [secrets[0]!], timestampSeconds: t });
    await rejectionStep(
      state,
      instance,
      what,
      (handler) =>
        viaJson ? handler.receiveWebhook(delivery) : handler.handlePaymentWebhook(payload as Kata.PaymentWebhook),
      malformedError(malformed, viaJson),
    );
  },
});

const unparsableCommand = command<RunState, RunState, { body: number; instance: number }>({
  args: fc.record({ body: fc.nat({ max: 3 }), instance: fc.nat({ max: 1 }) }),
  describe: ({ body }) => `a genuinely signed body that is not JSON (#${body})`,
  check: (state) => state.run.active,
  async run(state, _real, { body, instance }) {
    const rawBody = ['{"paymentId": "pay_1", ', '', 'paymentId=pay_1&status=success', '{"amount": 4900}}'][body]!;
    const now = state.run.world.clock.now();
    const t = Math.round(now / 1000);
    if (!fresh(now, state.explorer.options.toleranceMs, t)) return;
    const delivery = signedDelivery(rawBody, { secrets: [secretsOf(state.run.setup)[0]!], timestampSeconds: t });
    await rejectionStep(
      state,
      instance,
      `delivering the signed body ${show(rawBody)} by receiveWebhook:`,
      (handler) => handler.receiveWebhook(delivery),
      expectError('InvalidWebhookError', { code: 'ERR_INVALID_WEBHOOK', fields: { field: 'body' } }),
    );
  },
});

const replayCommand = command<
  RunState,
  RunState,
  { event: number | 'unknown' | 'dead'; instance: number; answers: readonly Answer[] }
>({
  args: fc.record({
    event: fc.oneof(
      { weight: 3, arbitrary: fc.constant('dead' as const) },
      { weight: 3, arbitrary: fc.nat() },
      { weight: 1, arbitrary: fc.constant('unknown' as const) },
    ),
    instance: fc.nat({ max: 1 }),
    answers: answersArbitrary,
  }),
  describe: ({ event, instance, answers }) =>
    `instance ${instance + 1} replays ${event === 'dead' ? 'a dead letter' : `event #${String(event)}`}${describeAnswers(answers)}`,
  check: (state) => state.run.active,
  async run(state, _real, { event, instance, answers }) {
    const deadLetter = Object.entries(state.explorer.first.events).find(([, record]) => record.state === 'dead')?.[0];
    const key =
      event === 'unknown'
        ? 'evt_never_seen'
        : event === 'dead'
          ? (deadLetter ?? eventOf(state, 0).idempotencyKey)
          : eventOf(state, event).idempotencyKey;
    await step(
      state,
      instance,
      `replayDeadLetter(${show(key)}) on instance ${instance + 1}${describeAnswers(answers)}:`,
      answers,
      (handler) => handler.replayDeadLetter(key),
      (candidate, now, ctx) => replay(candidate, key, now, ctx),
      key,
    );
  },
});

const purgeCommand = command<RunState, RunState, { instance: number }>({
  args: fc.record({ instance: fc.nat({ max: 1 }) }),
  describe: ({ instance }) => `instance ${instance + 1} purges`,
  check: (state) => state.run.active,
  run: (state, _real, { instance }) => runPurge(state, instance),
});

async function runPurge(state: RunState, instance: number): Promise<void> {
  const { world } = state.run;
  const now = world.clock.now();
  const from = world.service.calls.length;
  const outcome = await settle(() => world.alive(instance).handler.purgeExpired());
  const calls = callsSince(world, from);
  const what = `purgeExpired() on instance ${instance + 1}:`;
  state.explorer.advance(what, (candidate) => {
    const { deleted, next } = purge(candidate, now, state.explorer.options);
    const difference = outcomeDifference(outcome, expectValue(deleted)) ?? callsDifference(calls, [], now);
    return [{ next, difference }];
  });
  await afterStep(state, world.alive(instance + 1), what);
}

type Move =
  | { readonly kind: 'by'; readonly ms: number }
  | { readonly kind: 'lease'; readonly offset: -1 | 0 }
  | { readonly kind: 'retention'; readonly offset: 0 | 1 }
  | { readonly kind: 'days'; readonly days: number };

const moveArbitrary: fc.Arbitrary<Move> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('by' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 60_000 }), fc.constantFrom(1, 999, 1_000)),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('lease' as const), offset: fc.constantFrom<-1 | 0>(-1, 0, 0) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('retention' as const), offset: fc.constantFrom<0 | 1>(0, 1) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('days' as const), days: fc.integer({ min: 1, max: 8 }) }) },
);

/** How far to move the clock: to a lease's end or a retention boundary the model knows of. */
function moveBy(state: RunState, move: Move): number {
  const now = state.run.world.clock.now();
  const events = Object.values(state.explorer.first.events);
  if (move.kind === 'by') return move.ms;
  if (move.kind === 'days') return move.days * DAY_MS;
  const targets =
    move.kind === 'lease'
      ? events.filter((event) => event.state === 'working').map((event) => event.leaseEnd + move.offset)
      : events
          .filter((event) => event.state === 'finished')
          .map((event) => event.finishedAt + state.explorer.options.retentionMs + move.offset);
  const ahead = targets.filter((target) => target > now).sort((a, b) => a - b);
  return ahead.length === 0 ? 0 : ahead[0]! - now;
}

const clockCommand = command<RunState, RunState, Move>({
  args: moveArbitrary,
  describe: (move) =>
    move.kind === 'by'
      ? `the clock moves ${move.ms} ms`
      : move.kind === 'days'
        ? `the clock moves ${move.days} day(s)`
        : move.kind === 'lease'
          ? `the clock moves to ${move.offset === 0 ? 'exactly' : '1 ms before'} the next lease's end`
          : `the clock moves to ${move.offset === 0 ? 'exactly' : '1 ms past'} the next retention boundary`,
  check: (state) => state.run.active,
  run: (state, _real, move) => runMove(state, move),
});

async function runMove(state: RunState, move: Move): Promise<void> {
  const ms = moveBy(state, move);
  if (ms > 0) await state.run.world.clock.advance(ms);
}

/**
 * The life of an event whose holder dies: a delivery's call to the service never answers, the
 * clock moves to 1 ms before, exactly at, or past its lease's end, and the provider redelivers
 * (on either instance, through either entry point).
 */
const abandonedCommand = command<
  RunState,
  RunState,
  { event: number; instance: number; redelivery: DeliveryArgs; offset: -1 | 0 | 1 }
>({
  args: fc.record({
    event: fc.nat(),
    instance: fc.nat({ max: 1 }),
    redelivery: fc.record({
      event: fc.nat(),
      via: viaArbitrary,
      instance: fc.nat({ max: 1 }),
      answers: answersArbitrary,
    }),
    offset: fc.constantFrom<-1 | 0 | 1>(-1, 0, 0, 1),
  }),
  describe: ({ event, instance, redelivery, offset }) =>
    `instance ${instance + 1} gets success event #${event}, its call never answers; the clock moves to ${offset === 0 ? 'exactly' : offset < 0 ? '1 ms before' : '1 ms past'} its lease's end; instance ${redelivery.instance + 1} gets it again by ${viaLabel(redelivery.via)}${describeAnswers(redelivery.answers)}`,
  check: (state) => state.run.active,
  async run(state, _real, { event: drawn, instance, redelivery, offset }) {
    const event = successEventIndex(state, drawn);
    await runDelivery(state, { event, via: { kind: 'handle' }, instance, answers: [hang as Answer] });
    const leaseEnd = state.explorer.first.events[eventOf(state, event).idempotencyKey]?.leaseEnd ?? 0;
    const ms = leaseEnd + offset - state.run.world.clock.now();
    if (ms > 0) await state.run.world.clock.advance(ms);
    await runDelivery(state, redelivery, true);
  },
});

/** An event dead-lettered (every attempt fails), then replayed with any answers. */
const deadLetterCommand = command<
  RunState,
  RunState,
  { event: number; instance: number; replay: readonly Answer[]; errors: readonly Answer[] }
>({
  args: fc.record({
    event: fc.nat(),
    instance: fc.nat({ max: 1 }),
    replay: fc.oneof(
      answersArbitrary,
      fc.array(fc.constantFrom(fail(new Error('still down')) as Answer, lost('EPIPE') as Answer), {
        minLength: 6,
        maxLength: 6,
      }),
    ),
    errors: fc.array(
      fc
        .tuple(fc.boolean(), errorArbitrary)
        .map(([created, error]) => (created ? lost(error()) : fail(error())) as Answer),
      { minLength: 6, maxLength: 6 },
    ),
  }),
  describe: ({ event, instance, replay: answers, errors }) =>
    `instance ${instance + 1} gets success event #${event}${describeAnswers(errors)}; instance ${2 - instance} replays it${describeAnswers(answers)}`,
  check: (state) => state.run.active,
  async run(state, _real, { event: drawn, instance, replay: answers, errors }) {
    const event = successEventIndex(state, drawn);
    await runDelivery(state, {
      event,
      via: { kind: 'handle' },
      instance,
      answers: errors.slice(0, state.explorer.options.maxAttempts),
    });
    const key = eventOf(state, event).idempotencyKey;
    await step(
      state,
      instance + 1,
      `replayDeadLetter(${show(key)}) on instance ${2 - instance}${describeAnswers(answers)}:`,
      answers,
      (handler) => handler.replayDeadLetter(key),
      (candidate, now, ctx) => replay(candidate, key, now, ctx),
      key,
    );
  },
});

/** The clock moves to (or 1 ms past) the next retention boundary, and the daily job purges. */
const expiryCommand = command<RunState, RunState, { offset: 0 | 1; instance: number }>({
  args: fc.record({ offset: fc.constantFrom<0 | 1>(0, 1), instance: fc.nat({ max: 1 }) }),
  describe: ({ offset, instance }) =>
    `the clock moves to ${offset === 0 ? 'exactly' : '1 ms past'} the next retention boundary; instance ${instance + 1} purges`,
  check: (state) => state.run.active,
  async run(state, _real, { offset, instance }) {
    await runMove(state, { kind: 'retention', offset });
    await runPurge(state, instance);
  },
});

const restartCommand = command<RunState, RunState, { instance: number }>({
  args: fc.record({ instance: fc.nat({ max: 1 }) }),
  describe: ({ instance }) => `instance ${instance + 1} restarts (a new handler over the same file)`,
  check: (state) => state.run.active,
  async run(state, _real, { instance }) {
    const { world } = state.run;
    const what = `restarting instance ${instance + 1}`;
    const started = await settle(() => world.restart(instance));
    if (!started.ok)
      throw new Error(
        `${what}: createPaymentWebhookHandler over the existing database rejected ${show(started.error)}`,
      );
    await afterStep(state, world.alive(instance), what);
  },
});

// ---------------------------------------------------------------------------------------------
// Faults: a database failure or a crash between any two statements of one delivery or replay

type FaultMode = 'error' | 'write-error' | 'crash-before' | 'crash-after';

interface FaultArgs {
  readonly target:
    { readonly kind: 'deliver'; readonly event: number } | { readonly kind: 'replay'; readonly event: number };
  readonly instance: number;
  readonly mode: FaultMode;
  /** Statements (BEGIN and COMMIT included) that run before the one that fails. */
  readonly skip: number;
}

const faultCommand = command<RunState, RunState, FaultArgs>({
  args: fc.record({
    target: fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), event: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), event: fc.nat() }) },
    ),
    instance: fc.nat({ max: 1 }),
    mode: fc.constantFrom<FaultMode>('error', 'write-error', 'crash-before', 'crash-after'),
    skip: fc.nat({ max: 24 }),
  }),
  describe: describeFault,
  check: (state) => state.run.active,
  run: (state, _real, args) => runFault(state, args),
});

function describeFault({ target, instance, mode, skip }: FaultArgs): string {
  const which = mode === 'write-error' ? `write #${skip + 1}` : `statement #${skip + 1}`;
  const what = mode === 'error' || mode === 'write-error' ? 'failing' : `crashing the instance (${mode})`;
  return `instance ${instance + 1} ${target.kind === 'deliver' ? 'gets' : 'replays'} event #${target.event}, its ${which} ${what}`;
}

async function runFault(state: RunState, args: FaultArgs): Promise<void> {
  const { world } = state.run;
  const instance = world.alive(args.instance);
  const index = world.instances.indexOf(instance);
  const webhook = eventOf(state, args.target.event);
  const key = webhook.idempotencyKey;
  const isReplay = args.target.kind === 'replay';
  const what = `${describeFault(args)} (${webhook.status} of ${show(webhook.paymentId)}):`;
  const now = world.clock.now();
  const from = world.service.calls.length;
  const fault = instance.database.injectFault({
    when: args.mode === 'write-error' ? faultTargets.writes : faultTargets.everything,
    skip: args.skip,
    times: 1,
    ...(args.mode === 'crash-before' || args.mode === 'crash-after'
      ? { crash: args.mode === 'crash-before' ? ('before' as const) : ('after' as const) }
      : {}),
  });
  let settled: Settled<unknown>;
  try {
    settled = await runWithClock(
      () => (isReplay ? instance.handler.replayDeadLetter(key) : instance.handler.handlePaymentWebhook(webhook)),
      world.clock,
      { stuck: () => instance.database.crashed },
    );
  } finally {
    fault.remove();
  }
  const calls = callsSince(world, from);
  const ctx = context(state, () => calls, []);
  const crashed = instance.database.crashed;
  state.explorer.advance(what, (candidate) => {
    const complete = isReplay ? replay(candidate, key, now, ctx) : deliver(candidate, webhook, now, ctx);
    const interrupted = crashed || (fault.fired > 0 && settled.state === 'rejected');
    if (!interrupted) {
      return complete.map((option) => optionBranch(option, settled, calls, now, key, state.explorer.classes));
    }
    if (crashed && settled.state !== 'pending') {
      return [{ next: candidate, difference: `${describeSettled(settled)} although its instance crashed` }];
    }
    const how = crashed ? 'crashed' : 'released';
    const states = isReplay
      ? interruptedReplay(candidate, key, now, state.explorer.options, complete, how)
      : interruptedDelivery(candidate, webhook, now, state.explorer.options, complete, how);
    const madeSense = complete.some((option) => callsDifference(calls, option.calls, now, true) === undefined);
    const callsProblem = madeSense ? undefined : callsDifference(calls, complete[0]?.calls ?? [], now, true);
    return states.map((next): Branch => ({ next, difference: callsProblem }));
  });
  if (crashed) await world.restart(index);
  await afterStep(state, world.alive(index + 1), what);
}

function fixedStep(description: string, run: (state: RunState) => Promise<void>): fc.AsyncCommand<RunState, RunState> {
  return { check: (state) => state.run.active, run: (state) => run(state), toString: () => description };
}

const firstDelivery: DeliveryArgs = { event: 0, via: { kind: 'handle' }, instance: 0, answers: [] };

/** The fixed first run of model-sequences: event #0 (a success) delivered once. */
export const FIRST_STEPS = [
  fixedStep(deliveryCommandDescription(firstDelivery), (state) => runDelivery(state, firstDelivery)),
];

const firstFault: FaultArgs = { target: { kind: 'deliver', event: 0 }, instance: 0, mode: 'write-error', skip: 1 };

/** The fixed first run of model-faults: event #0's second write fails, then it is redelivered. */
export const FIRST_FAULT_STEPS = [
  fixedStep(describeFault(firstFault), (state) => runFault(state, firstFault)),
  ...FIRST_STEPS,
];

export const SEQUENCE_COMMANDS = [
  deliveryCommand,
  deliveryCommand,
  deliveryCommand,
  redeliveryCommand,
  redeliveryCommand,
  abandonedCommand,
  abandonedCommand,
  deadLetterCommand,
  reusedKeyCommand,
  forgedCommand,
  malformedCommand,
  unparsableCommand,
  replayCommand,
  purgeCommand,
  expiryCommand,
  clockCommand,
  clockCommand,
  restartCommand,
];

export const FAULT_COMMANDS = [
  deliveryCommand,
  redeliveryCommand,
  replayCommand,
  clockCommand,
  faultCommand,
  faultCommand,
  faultCommand,
  restartCommand,
];
