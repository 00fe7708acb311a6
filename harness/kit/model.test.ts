import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createCheckContext } from './context.ts';
import { expectError, expectValue } from './expected.ts';
import { command, expectOutcome, ModelMismatchError, runCommands } from './model.ts';
import { settle } from './outcome.ts';

/** A bounded counter: increment up to a limit, then RangeError; the buggy one allows one more. */
function counter(limit: number, slack = 0) {
  let value = 0;
  return {
    async increment() {
      if (value >= limit + slack) throw new RangeError(`the counter is at its limit ${limit}`);
      return ++value;
    },
    async read() {
      return value;
    },
  };
}

type Real = ReturnType<typeof counter>;
interface Model {
  value: number;
  readonly limit: number;
}

const commands = [
  command<Model, Real, null>({
    args: fc.constant(null),
    describe: () => 'increment()',
    async run(model, real) {
      const expected = model.value < model.limit ? expectValue(++model.value) : expectError('RangeError');
      expectOutcome(await settle(() => real.increment()), expected, 'increment()');
    },
  }),
  command<Model, Real, null>({
    args: fc.constant(null),
    describe: () => 'read()',
    async run(model, real) {
      expectOutcome(await settle(() => real.read()), expectValue(model.value), 'read()');
    },
  }),
];

async function check(slack: number) {
  const context = createCheckContext({}, '/x.ts', 42, { onRandomised: () => undefined });
  return settle(() =>
    context.property(
      fc.asyncProperty(fc.integer({ min: 0, max: 4 }), fc.commands(commands, { maxCommands: 30 }), (limit, steps) =>
        runCommands(
          () => ({ model: { value: 0, limit }, real: counter(limit, slack), description: `limit ${limit}` }),
          steps,
        ),
      ),
    ),
  );
}

describe('model-based checks', () => {
  test('a faithful implementation passes', async () => {
    expect((await check(0)).ok).toBe(true);
  });

  test('a failure shrinks and reads as the steps that led to it, in words', async () => {
    const outcome = await check(1);
    expect(outcome.ok).toBe(false);
    const message = (outcome as { error: Error }).error.message;
    expect(message).toContain('increment() resolved 1, expected to reject with RangeError');
    expect(message).toContain('steps with limit 0: increment()');
    expect(message).toContain('(seed 42');
  });

  test('a mismatch keeps the steps as data', async () => {
    const outcome = await settle(() =>
      runCommands(() => ({ model: { value: 0, limit: 0 }, real: counter(0, 1) }), [...fc.sample(commands[0]!, 1)]),
    );
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(ModelMismatchError);
    expect((error as ModelMismatchError).steps).toEqual(['increment()']);
  });
});
