import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createCheckContext, PropertyFailure } from './context.ts';

describe('check context', () => {
  test('reports the seed the first time a body reads it', () => {
    const seen: number[] = [];
    const context = createCheckContext({}, '/x.ts', 7, { onRandomised: (seed) => seen.push(seed) });
    expect(seen).toEqual([]);
    expect(context.seed).toBe(7);
    expect(context.seed).toBe(7);
    expect(seen).toEqual([7]);
  });

  test('runs a property with the check seed, so the same seed finds the same counterexample', async () => {
    const failure = async (seed: number) => {
      const context = createCheckContext({}, '/x.ts', seed, { onRandomised: () => {} });
      return context.property(fc.property(fc.integer(), (n) => n < 1000)).then(
        () => undefined,
        (error: unknown) => error,
      );
    };
    const first = await failure(123);
    const second = await failure(123);
    expect(first).toBeInstanceOf(PropertyFailure);
    expect((first as PropertyFailure).message).toBe((second as PropertyFailure).message);
  });

  test('leads a failure with the assertion message, then the counterexample and seed', async () => {
    const context = createCheckContext({}, '/x.ts', 99, { onRandomised: () => {} });
    const error = (await context
      .property(
        fc.property(fc.constant('abc'), (text) => {
          expect(text, 'the text').toBe('xyz');
        }),
      )
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      )) as PropertyFailure;
    expect(error.message).toMatch(/^the text: expected 'abc' to be 'xyz'/);
    expect(error.message).toContain('for ["abc"] (seed 99');
    expect(error.seed).toBe(99);
  });
});
