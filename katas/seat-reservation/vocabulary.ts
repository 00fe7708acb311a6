/**
 * The words the spec speaks in: seat and user ids of many shapes (the README says ids are opaque
 * strings, so every one of these is valid and any two of them are different), the values of
 * holdMs and of the clock drawn across their whole range, and the bad inputs the README lists.
 */
import fc from 'fast-check';

/**
 * Seat ids in groups of look-alikes: a run draws whole groups, so ids that differ only in case,
 * whitespace, punctuation or Unicode form meet in the same database.
 */
export const SEAT_ID_GROUPS: readonly (readonly string[])[] = [
  ['A1', 'a1', 'A1 ', ' A1'],
  ['A-1', 'A_1', 'A.1', 'A%1', 'A 1'],
  ['caf\u00e9', 'cafe\u0301', 'CAF\u00c9'],
  ['\u{1F3AB}', '\u{1F39F}\uFE0F', '\u{1F3AB}\u{1F3AB}'],
  ['\u884c1', '\u0391\u03b2', '\u05d0\u05d1'],
  ['__proto__', 'constructor', 'toString'],
  ['7', '07', '7.0', '7e0', '+7', 'null'],
];

/** User ids, grouped the same way: 'Alice' and 'alice' are two users. */
export const USER_ID_GROUPS: readonly (readonly string[])[] = [
  ['alice', 'Alice', 'ALICE', 'alice '],
  ['bob-1', 'bob_1', 'bob.1', 'bob 1', 'bob\t1'],
  ['Zo\u00eb', 'Zoe\u0308'],
  ['\u{1F464}', '\u{1F464}\u200d'],
  ['__proto__', 'hasOwnProperty'],
  ['user-42', 'user-420'],
  ['42', '042', '42.0', '4.2e1'],
];

/** A few look-alike groups, each shuffled, flattened: at least `min` distinct ids. */
export function idsFrom(groups: readonly (readonly string[])[], min: number, max: number): fc.Arbitrary<string[]> {
  return fc
    .shuffledSubarray([...groups], { minLength: 1, maxLength: 3 })
    .chain((picked) => fc.tuple(...picked.map((group) => fc.shuffledSubarray([...group], { minLength: 1 }))))
    .map((lists) => [...new Set(lists.flat())])
    .filter((ids) => ids.length >= min)
    .map((ids) => ids.slice(0, max));
}

export const seatIdsArbitrary = (min = 2, max = 5): fc.Arbitrary<string[]> => idsFrom(SEAT_ID_GROUPS, min, max);
export const userIdsArbitrary = (min = 2, max = 4): fc.Arbitrary<string[]> => idsFrom(USER_ID_GROUPS, min, max);

/** The most holdMs the spec uses: about 8900 years, so every deadline stays a valid Date. */
export const MAX_HOLD_MS = 2 ** 48;

/** holdMs across its whole valid range: tiny, odd, usual, very large. */
export const holdMsArbitrary: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(1, 2, 7, 1_000, 60_000, 10 * 60_000, 24 * 3_600_000, 100 * 365 * 86_400_000, MAX_HOLD_MS),
  fc.integer({ min: 1, max: 5_000 }),
  fc.integer({ min: 1, max: MAX_HOLD_MS }),
);

/** Where the clock starts: 1970, odd milliseconds, far from the real time, 2100. */
export const clockStartArbitrary: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, 1, 999_999_999_999, Date.UTC(2001, 8, 9, 1, 46, 40, 123), Date.UTC(2100, 0, 1)),
  fc.integer({ min: 0, max: 2 ** 42 }),
);

/** Values that are not strings, for id parameters. */
export const NOT_STRINGS: readonly unknown[] = [undefined, null, 42, 0, true, {}, ['A1'], () => 'A1'];

/** holdMs values of the wrong type (TypeError) and numbers that are not positive integers (RangeError). */
export const HOLD_MS_NOT_NUMBERS: readonly unknown[] = ['600000', undefined, null, true, {}, [600_000]];
export const HOLD_MS_NOT_POSITIVE_INTEGERS: readonly number[] = [
  0,
  -1,
  -600_000,
  1.5,
  0.5,
  Number.EPSILON,
  NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  // Integers past Number.MAX_SAFE_INTEGER: a deadline computed from them is no longer exact.
  2 ** 53,
  1e300,
];

/** `now` values that are present and not functions. */
export const NOW_NOT_FUNCTIONS: readonly unknown[] = [null, 5, 'Date.now', {}, true];

/** `db` values that are not the kit's handle. */
export const NOT_HANDLES: readonly unknown[] = [
  null,
  undefined,
  'kata.sqlite',
  42,
  {},
  [],
  { run: () => undefined, get: () => undefined },
  { transaction: () => undefined },
];
