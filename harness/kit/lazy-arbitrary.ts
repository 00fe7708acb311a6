/**
 * An arbitrary built the first time a value is drawn from it. Some of fast-check's arbitraries do
 * their work when they are made: `fc.string({ unit: 'grapheme' })` maps every grapheme it can
 * produce (about 0.4 s). A spec is loaded by the runner and the grader only to list its checks, so
 * such an arbitrary at a spec's top level costs every `kata test` and every grading run that time
 * before any check starts; behind `lazyArbitrary` it costs only the check that draws from it.
 * Values and shrinking are the built arbitrary's own: the same seed gives the same cases.
 */
import fc from 'fast-check';

class LazyArbitrary<T> extends fc.Arbitrary<T> {
  private built: fc.Arbitrary<T> | undefined;

  constructor(private readonly build: () => fc.Arbitrary<T>) {
    super();
  }

  private get arbitrary(): fc.Arbitrary<T> {
    this.built ??= this.build();
    return this.built;
  }

  override generate(random: fc.Random, biasFactor: number | undefined): fc.Value<T> {
    return this.arbitrary.generate(random, biasFactor);
  }

  override canShrinkWithoutContext(value: unknown): value is T {
    return this.arbitrary.canShrinkWithoutContext(value);
  }

  override shrink(value: T, context: unknown): fc.Stream<fc.Value<T>> {
    return this.arbitrary.shrink(value, context);
  }
}

/** `build()`'s arbitrary, made when the first value is drawn rather than now. */
export function lazyArbitrary<T>(build: () => fc.Arbitrary<T>): fc.Arbitrary<T> {
  return new LazyArbitrary(build);
}
