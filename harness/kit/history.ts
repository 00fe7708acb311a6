/**
 * A history of concurrent calls: for each, who made it, what it was asked, when it was invoked and
 * when it returned on one logical clock, and how it ended. The linearizability checker judges it
 * against a sequential model; the clock only has to order events, so it counts them.
 *
 * A call that never returns (its app instance crashed, its worker was terminated) stays pending:
 * it may or may not have taken effect, and it orders nothing after it.
 */
import { setImmediate } from 'node:timers';
import { createRandom } from './random.ts';
import { describeOutcome, settle, show, type Outcome } from './outcome.ts';

export interface Operation<Input, Output> {
  /** Position in the history, from 0, in order of invocation. */
  readonly index: number;
  /** Who made the call: an app instance, a user, a worker. */
  readonly process: string;
  readonly input: Input;
  readonly invokedAt: number;
  /** Undefined while the call is pending (or forever, if it never returns). */
  readonly returnedAt: number | undefined;
  readonly outcome: Outcome<Output> | undefined;
}

export interface History<Input, Output> {
  /** Invokes `call` now, records its invocation, and its return when it settles. */
  call(process: string, input: Input, call: () => Output | PromiseLike<Output>): Promise<Outcome<Awaited<Output>>>;
  /** Records a call that was invoked and will never be seen to return (a crash mid-call). */
  abandoned(process: string, input: Input): void;
  /** Records a call that was made elsewhere (a worker thread) with its own clock readings. */
  add(operation: Omit<Operation<Input, Output>, 'index'>): void;
  /** The clock: every invocation and every return moves it by one. */
  tick(): number;
  readonly operations: readonly Operation<Input, Output>[];
}

export function createHistory<Input, Output>(): History<Input, Output> {
  const operations: Operation<Input, Output>[] = [];
  let clock = 0;
  const tick = (): number => ++clock;
  return {
    operations,
    tick,
    async call(process, input, call) {
      const index = operations.length;
      const record: { -readonly [K in keyof Operation<Input, Output>]: Operation<Input, Output>[K] } = {
        index,
        process,
        input,
        invokedAt: tick(),
        returnedAt: undefined,
        outcome: undefined,
      };
      operations.push(record);
      const outcome = await settle(call);
      record.returnedAt = tick();
      record.outcome = outcome as Outcome<Output>;
      return outcome;
    },
    abandoned(process, input) {
      operations.push({
        index: operations.length,
        process,
        input,
        invokedAt: tick(),
        returnedAt: undefined,
        outcome: undefined,
      });
    },
    add(operation) {
      operations.push({ ...operation, index: operations.length });
      clock = Math.max(clock, operation.invokedAt, operation.returnedAt ?? 0);
    },
  };
}

export interface ConcurrentCall {
  readonly process: string;
  /** Runs the call; `record` wraps it so the history sees its invocation and return. */
  readonly run: () => Promise<unknown>;
}

/**
 * Starts every call, each after a seeded number (0..maxDelayTurns) of event-loop turns, so that
 * some overlap and some start only after others have returned, and waits for all of them. Same
 * seed, same schedule.
 */
export async function startStaggered(
  calls: readonly ConcurrentCall[],
  options: { readonly seed: number; readonly maxDelayTurns?: number },
): Promise<void> {
  const random = createRandom(options.seed);
  const maxDelay = options.maxDelayTurns ?? 4;
  await Promise.all(
    calls.map(async (call) => {
      const turns = Math.floor(random() * (maxDelay + 1));
      for (let turn = 0; turn < turns; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
      await call.run();
    }),
  );
}

/** One line per call, in invocation order: `[3→7] user-2: reserve A1 → rejected ...`. */
export function describeHistory<Input, Output>(
  operations: readonly Operation<Input, Output>[],
  describeInput: (input: Input) => string = (input) => show(input),
): string {
  return operations
    .map((operation) => {
      const span = `[${operation.invokedAt}→${operation.returnedAt ?? '…'}]`;
      const ending = operation.outcome === undefined ? 'never returned' : describeOutcome(operation.outcome, 120);
      return `${span} ${operation.process}: ${describeInput(operation.input)} → ${ending}`;
    })
    .join('\n');
}
