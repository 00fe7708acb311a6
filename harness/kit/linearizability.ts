/**
 * Linearizability: is there one order of the recorded calls, consistent with real time (a call
 * that returned before another was invoked comes first), in which a sequential model accepts every
 * outcome? This is the Wing and Gong search with Lowe's memoisation of visited (calls placed,
 * model state) pairs, as in Knossos and Porcupine. A history can be split into independent parts
 * (by seat, by payment) that are checked one by one, which keeps each search small.
 */
import { describeHistory, type Operation } from './history.ts';
import type { Outcome } from './outcome.ts';

export interface SequentialModel<State, Input, Output> {
  /** The state before any call. */
  readonly init: () => State;
  /**
   * The state after `input` was applied to `state` and answered with `outcome`, or undefined when
   * the model does not allow that outcome in that state. Must not change `state`. Where the
   * implementation chooses something the model cannot predict (a new id), adopt it from the
   * outcome.
   */
  readonly step: (state: State, input: Input, outcome: Outcome<Output>) => State | undefined;
  /**
   * The states a call that never returned may have left if it took effect. Not taking effect is
   * always considered as well. Default: none, so a pending call is taken to have had no effect.
   */
  readonly stepPending?: (state: State, input: Input) => readonly State[];
  /** Identifies a state for memoisation. Default: JSON.stringify. */
  readonly key?: (state: State) => string;
  /** The call in words, for failure messages. */
  readonly describeInput?: (input: Input) => string;
  /** Calls with different keys never affect each other; each part is checked alone. */
  readonly partition?: (input: Input) => string;
}

export type LinearizabilityVerdict<Input, Output> =
  | { readonly ok: true; readonly order: readonly Operation<Input, Output>[] }
  | {
      readonly ok: false;
      /** The part (partition key) that has no valid order, if the history was partitioned. */
      readonly part: string | undefined;
      /** The longest prefix of an order the model accepted. */
      readonly longest: readonly Operation<Input, Output>[];
      readonly message: string;
    };

export class HistoryTooLargeError extends Error {
  readonly code = 'ERR_KATA_HISTORY_TOO_LARGE';

  constructor(calls: number, states: number) {
    super(
      `the linearizability search over ${calls} calls visited ${states} states without an answer: make the concurrent batches smaller or partition the history`,
    );
    this.name = 'HistoryTooLargeError';
  }
}

export interface LinearizabilityOptions {
  /** Most (calls placed, state) pairs to visit per part before giving up. Default: 200 000. */
  readonly maxStates?: number;
}

export function checkLinearizable<State, Input, Output>(
  operations: readonly Operation<Input, Output>[],
  model: SequentialModel<State, Input, Output>,
  options: LinearizabilityOptions = {},
): LinearizabilityVerdict<Input, Output> {
  const parts = new Map<string | undefined, Operation<Input, Output>[]>();
  for (const operation of operations) {
    const part = model.partition?.(operation.input);
    const list = parts.get(part) ?? [];
    list.push(operation);
    parts.set(part, list);
  }
  const order: Operation<Input, Output>[] = [];
  for (const [part, list] of parts) {
    const verdict = searchPart(list, model, options.maxStates ?? 200_000);
    if (!verdict.ok) {
      const where = part === undefined ? '' : ` of ${part}`;
      const describe = model.describeInput;
      const placed =
        verdict.longest.length === 0
          ? 'no call can come first'
          : `the longest order the model accepts is:\n${describeHistory(verdict.longest, describe)}`;
      const message = `no order of the ${list.length} concurrent calls${where} is allowed by the contract; ${placed}\nthe history:\n${describeHistory(list, describe)}`;
      return { ok: false, part, longest: verdict.longest, message };
    }
    order.push(...verdict.order);
  }
  return { ok: true, order };
}

/** Throws an Error whose message shows the history when it is not linearizable. */
export function assertLinearizable<State, Input, Output>(
  operations: readonly Operation<Input, Output>[],
  model: SequentialModel<State, Input, Output>,
  options?: LinearizabilityOptions,
): void {
  const verdict = checkLinearizable(operations, model, options);
  if (!verdict.ok) throw new Error(verdict.message);
}

type SearchResult<Input, Output> =
  | { readonly ok: true; readonly order: Operation<Input, Output>[] }
  | { readonly ok: false; readonly longest: Operation<Input, Output>[] };

function searchPart<State, Input, Output>(
  operations: readonly Operation<Input, Output>[],
  model: SequentialModel<State, Input, Output>,
  maxStates: number,
): SearchResult<Input, Output> {
  const count = operations.length;
  const placed = new Uint8Array(count);
  const required = operations.filter((operation) => operation.returnedAt !== undefined).length;
  const keyOf = model.key ?? ((state: State) => JSON.stringify(state));
  const visited = new Set<string>();
  const order: number[] = [];
  let longest: number[] = [];
  let states = 0;

  /** Calls that may come next: invoked before every unplaced call that has returned. */
  const candidates = (): number[] => {
    let firstReturn = Number.POSITIVE_INFINITY;
    for (let index = 0; index < count; index++) {
      const returnedAt = operations[index]!.returnedAt;
      if (placed[index] === 0 && returnedAt !== undefined && returnedAt < firstReturn) firstReturn = returnedAt;
    }
    const next: number[] = [];
    for (let index = 0; index < count; index++) {
      if (placed[index] === 0 && operations[index]!.invokedAt < firstReturn) next.push(index);
    }
    return next;
  };

  const search = (state: State, done: number): boolean => {
    if (done === required) return true;
    const memo = `${placed.join('')}|${keyOf(state)}`;
    if (visited.has(memo)) return false;
    visited.add(memo);
    if (++states > maxStates) throw new HistoryTooLargeError(count, states);
    for (const index of candidates()) {
      const operation = operations[index]!;
      const nextStates =
        operation.outcome === undefined
          ? [state, ...(model.stepPending?.(state, operation.input) ?? [])]
          : [model.step(state, operation.input, operation.outcome)].filter((next) => next !== undefined);
      if (nextStates.length === 0) continue;
      placed[index] = 1;
      order.push(index);
      if (order.length > longest.length) longest = [...order];
      const progress = operation.outcome === undefined ? done : done + 1;
      for (const next of nextStates) {
        if (search(next as State, progress)) return true;
      }
      order.pop();
      placed[index] = 0;
    }
    return false;
  };

  const found = search(model.init(), 0);
  const pick = (indexes: readonly number[]): Operation<Input, Output>[] => indexes.map((index) => operations[index]!);
  return found ? { ok: true, order: pick(order) } : { ok: false, longest: pick(longest) };
}
