import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { lazyArbitrary } from './lazy-arbitrary.ts';

describe('lazyArbitrary', () => {
  test('does not build its arbitrary until a value is drawn', () => {
    let builds = 0;
    const arbitrary = lazyArbitrary(() => {
      builds++;
      return fc.nat();
    });
    expect(builds).toBe(0);
    fc.sample(arbitrary, { numRuns: 3, seed: 1 });
    fc.sample(arbitrary, { numRuns: 3, seed: 2 });
    expect(builds).toBe(1);
  });

  test('draws the same values as the arbitrary it builds, seed for seed', () => {
    const direct = fc.array(fc.string({ unit: 'binary', maxLength: 3 }), { maxLength: 4 });
    const lazy = lazyArbitrary(() => fc.array(fc.string({ unit: 'binary', maxLength: 3 }), { maxLength: 4 }));
    for (const seed of [1, 2, 3, -7]) {
      expect(fc.sample(lazy, { numRuns: 20, seed })).toEqual(fc.sample(direct, { numRuns: 20, seed }));
    }
  });

  test('shrinks a failure to the same counterexample as the arbitrary it builds', () => {
    const failing = (arbitrary: fc.Arbitrary<number[]>) =>
      fc.check(
        fc.property(arbitrary, (values) => values.reduce((sum, value) => sum + value, 0) < 50),
        { seed: 42, numRuns: 200 },
      ).counterexample;
    const build = () => fc.array(fc.nat({ max: 40 }), { maxLength: 10 });
    expect(failing(lazyArbitrary(build))).toEqual(failing(build()));
    expect(failing(build())).not.toBeNull();
  });
});
