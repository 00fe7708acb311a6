import { describe, expect, test } from 'vitest';
import { createHistory, startStaggered, type Operation } from './history.ts';
import { checkLinearizable, HistoryTooLargeError, type SequentialModel } from './linearizability.ts';
import type { Outcome } from './outcome.ts';

/** A seat that can be claimed once: claim resolves true for the first caller, false after. */
type Input = { readonly op: 'claim'; readonly who: string } | { readonly op: 'read' };
type State = string | null;

const seat: SequentialModel<State, Input, unknown> = {
  init: () => null,
  step(state, input, outcome) {
    if (!outcome.ok) return undefined;
    if (input.op === 'read') return outcome.value === state ? state : undefined;
    const won = state === null;
    return outcome.value === won ? (won ? input.who : state) : undefined;
  },
  stepPending: (state, input) => (input.op === 'claim' && state === null ? [input.who] : []),
  describeInput: (input) => (input.op === 'read' ? 'read' : `claim by ${input.who}`),
};

const ok = (value: unknown): Outcome<unknown> => ({ ok: true, value });

function op(index: number, input: Input, invokedAt: number, returnedAt: number | undefined, value?: unknown) {
  const operation: Operation<Input, unknown> = {
    index,
    process: `p${index}`,
    input,
    invokedAt,
    returnedAt,
    outcome: returnedAt === undefined ? undefined : ok(value),
  };
  return operation;
}

describe('checkLinearizable', () => {
  test('accepts overlapping claims when one order explains every answer', () => {
    const history = [
      op(0, { op: 'claim', who: 'a' }, 1, 4, false),
      op(1, { op: 'claim', who: 'b' }, 2, 3, true),
      op(2, { op: 'read' }, 5, 6, 'b'),
    ];
    const verdict = checkLinearizable(history, seat);
    expect(verdict.ok).toBe(true);
    expect(verdict.ok && verdict.order.map((operation) => operation.index)).toEqual([1, 0, 2]);
  });

  test('rejects two winners, however the calls overlap', () => {
    const history = [op(0, { op: 'claim', who: 'a' }, 1, 4, true), op(1, { op: 'claim', who: 'b' }, 2, 3, true)];
    const verdict = checkLinearizable(history, seat);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.message).toContain('no order of the 2 concurrent calls is allowed by the contract');
  });

  test('respects real time: a read that started after the winner returned must see it', () => {
    const history = [op(0, { op: 'claim', who: 'a' }, 1, 2, true), op(1, { op: 'read' }, 3, 4, null)];
    expect(checkLinearizable(history, seat).ok).toBe(false);
    const overlapping = [op(0, { op: 'claim', who: 'a' }, 1, 4, true), op(1, { op: 'read' }, 2, 3, null)];
    expect(checkLinearizable(overlapping, seat).ok).toBe(true);
  });

  test('a call that never returned may or may not have taken effect', () => {
    const tookEffect = [op(0, { op: 'claim', who: 'a' }, 1, undefined), op(1, { op: 'read' }, 2, 3, 'a')];
    const didNot = [op(0, { op: 'claim', who: 'a' }, 1, undefined), op(1, { op: 'read' }, 2, 3, null)];
    const impossible = [op(0, { op: 'claim', who: 'a' }, 1, undefined), op(1, { op: 'read' }, 2, 3, 'z')];
    expect(checkLinearizable(tookEffect, seat).ok).toBe(true);
    expect(checkLinearizable(didNot, seat).ok).toBe(true);
    expect(checkLinearizable(impossible, seat).ok).toBe(false);
  });

  test('checks independent parts apart and names the part that fails', () => {
    const perSeat: SequentialModel<State, Input & { seat?: string }, unknown> = {
      ...seat,
      partition: (input) => input.seat ?? 'none',
    };
    const history = [
      { ...op(0, { op: 'claim', who: 'a' }, 1, 2, true), input: { op: 'claim' as const, who: 'a', seat: 'A1' } },
      { ...op(1, { op: 'claim', who: 'b' }, 3, 4, true), input: { op: 'claim' as const, who: 'b', seat: 'B1' } },
      { ...op(2, { op: 'claim', who: 'c' }, 5, 6, true), input: { op: 'claim' as const, who: 'c', seat: 'B1' } },
    ];
    const verdict = checkLinearizable(history, perSeat);
    expect(!verdict.ok && verdict.part).toBe('B1');
  });

  test('gives up with a clear error instead of searching forever', () => {
    const reads = Array.from({ length: 24 }, (_, index) => op(index, { op: 'read' }, index + 1, 100 + index, null));
    const claim = op(24, { op: 'claim', who: 'x' }, 1, 200, false);
    expect(() => checkLinearizable([...reads, claim], seat, { maxStates: 1000 })).toThrow(HistoryTooLargeError);
  });
});

describe('recorded histories', () => {
  /** A claim that reads, yields, then writes: two callers can both see the seat free. */
  function racySeat() {
    let holder: string | null = null;
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
    return {
      async claim(who: string) {
        const free = holder === null;
        await turn();
        if (free) holder = who;
        return free;
      },
      async read() {
        await turn();
        return holder;
      },
    };
  }

  function atomicSeat() {
    let holder: string | null = null;
    return {
      async claim(who: string) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (holder !== null) return false;
        holder = who;
        return true;
      },
      async read() {
        return holder;
      },
    };
  }

  async function record(service: ReturnType<typeof atomicSeat>, seed: number) {
    const history = createHistory<Input, unknown>();
    const calls = ['a', 'b', 'c', 'd'].flatMap((who) => [
      { process: who, run: () => history.call(who, { op: 'claim', who }, () => service.claim(who)) },
      { process: who, run: () => history.call(who, { op: 'read' }, () => service.read()) },
    ]);
    await startStaggered(calls, { seed, maxDelayTurns: 3 });
    return history.operations;
  }

  test('an atomic claim is linearizable on every schedule', async () => {
    for (let seed = 0; seed < 50; seed++)
      expect(checkLinearizable(await record(atomicSeat(), seed), seat).ok).toBe(true);
  });

  test('a check-then-act claim is caught', async () => {
    const verdicts = [];
    for (let seed = 0; seed < 20; seed++) verdicts.push(checkLinearizable(await record(racySeat(), seed), seat).ok);
    expect(verdicts).toContain(false);
  });
});
