/**
 * Generators for the names a run uses: ids in every shape the README allows (spaces, punctuation,
 * scripts, emoji, combining marks) with their case and normalisation variants side by side,
 * resources that share prefixes and differ by case, and bad values for every argument.
 */
import fc from 'fast-check';

/** Pieces ids are built from: whole characters only (an emoji is one piece), never half a surrogate pair. */
const ID_PIECES = [
  ...'abcdefghijklmnopqrstuvwxyz',
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ...'0123456789',
  ...' _-.:!*@/#',
  'é',
  'e\u0301',
  'ß',
  'Ω',
  'ø',
  'İ',
  'ı',
  'ж',
  '日',
  '本',
  'ا',
  '👩‍💼',
  '🙂',
  '𝒜',
  '\u00a0',
  '\t',
] as const;

/** Changes that make a different id of a similar one: case, normalisation, whitespace. */
function variantsOf(id: string): string[] {
  const capitalised = id.charAt(0).toUpperCase() + id.slice(1);
  return [
    id.toUpperCase(),
    id.toLowerCase(),
    capitalised,
    id.normalize('NFD'),
    id.normalize('NFC'),
    `${id} `,
    ` ${id}`,
  ];
}

/** One id: mostly plain words (readable failures), often anything the README allows. */
export const idArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z][a-z0-9]{0,4}$/) },
  {
    weight: 2,
    arbitrary: fc.array(fc.constantFrom(...ID_PIECES), { minLength: 1, maxLength: 5 }).map((pieces) => pieces.join('')),
  },
  { weight: 1, arbitrary: fc.constantFrom('hr', 'HR', 'Hr', 'café', 'cafe\u0301', 'a b', 'a:b', '*', '!hr', ' ') },
);

/**
 * `count` distinct ids where most have a sibling that differs only by case, normalisation or
 * whitespace, so an implementation that folds or trims them merges two of them.
 */
export function idsArbitrary(count: number): fc.Arbitrary<string[]> {
  return fc
    .tuple(
      fc.array(idArbitrary, { minLength: count, maxLength: count }),
      fc.array(fc.nat(6), { minLength: count, maxLength: count }),
    )
    .map(([seeds, picks]) => {
      const ids: string[] = [];
      for (let index = 0; ids.length < count && index < seeds.length * 2; index++) {
        const seed = seeds[Math.floor(index / 2)]!;
        const candidate = index % 2 === 0 ? seed : variantsOf(seed)[picks[Math.floor(index / 2)]!]!;
        if (candidate !== '' && !ids.includes(candidate)) ids.push(candidate);
      }
      for (let filler = 0; ids.length < count; filler++) if (!ids.includes(`id${filler}`)) ids.push(`id${filler}`);
      return ids;
    });
}

const PART_CHARACTERS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.'];

/** A part of a permission: any of the characters the grammar allows. */
export const partArbitrary: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...PART_CHARACTERS), { minLength: 1, maxLength: 6 })
  .map((characters) => characters.join(''));

/**
 * Resources for one run: a few words, each with near misses beside it (a case variant, a longer
 * word it is a prefix of, a dotted or dashed neighbour), so a loose match grants what it must not.
 */
export const resourcesArbitrary: fc.Arbitrary<string[]> = fc
  .tuple(
    fc.oneof(fc.constantFrom('salary', 'attendance', 'payroll', 'v1.shift'), partArbitrary),
    fc.oneof(fc.constantFrom('ledger', 'team_a', 'x'), partArbitrary),
    fc.constantFrom('s', '-admin', '.archive', 'X'),
    fc.nat(2),
  )
  .map(([first, second, suffix, pick]) => {
    const near = [first.toUpperCase(), `${first}${suffix}`, `v1.${first}`][pick]!;
    return [...new Set([first, near, second])];
  });

/** Actions for one run, with a case variant and a prefix of another. */
export const actionsArbitrary: fc.Arbitrary<string[]> = fc
  .tuple(fc.oneof(fc.constantFrom('view', 'edit', 'run'), partArbitrary), fc.constantFrom('View', 'views', 'v', 'edit'))
  .map(([first, near]) => [...new Set([first, near])]);

/** Values that are not ids: wrong types, and the empty string. */
export const badIdArbitrary: fc.Arbitrary<unknown> = fc.constantFrom('', 42, 0, null, undefined, true, {}, [], ['hr']);

/** Values that are not concrete permissions. */
export const badPermissionArbitrary: fc.Arbitrary<unknown> = fc.constantFrom(
  '',
  'salary',
  'salary:',
  ':view',
  'salary:view:all',
  'salary view',
  'sal ary:view',
  'salary:view ',
  'é:view',
  'salary:vïew',
  'salary:*',
  '*:view',
  '!salary:view',
  'salary:v*',
  'salary/view',
  42,
  null,
  undefined,
  ['salary:view'],
);

/** Values that are not rules. */
export const badRuleArbitrary: fc.Arbitrary<unknown> = fc.constantFrom(
  '',
  '*',
  '!',
  '*:view',
  '*:*',
  'attendance*',
  'attendance:v*',
  'attendance:*x',
  '!!salary:view',
  'salary:!view',
  'salary',
  'salary:view:all',
  ' salary:view',
  'é:view',
  'salary:vïew',
  '!*:view',
  42,
  null,
  {},
);

/** Values that are not a list of rules. */
export const badRuleListArbitrary: fc.Arbitrary<unknown> = fc.constantFrom('salary:view', null, undefined, {}, 42);

/** Values `inherits` may not have (undefined means "no inheritance" and is allowed). */
export const badInheritsArbitrary: fc.Arbitrary<unknown> = fc.constantFrom('hr', null, {}, 42, true);

/** Values an entry of `inherits` may not have. */
export const badParentArbitrary: fc.Arbitrary<unknown> = fc.constantFrom('', 42, null, undefined, {});

/** Options objects without a usable `by`, or not objects at all. */
export const badChangeOptionsArbitrary: fc.Arbitrary<unknown> = fc.constantFrom(
  undefined,
  null,
  'root',
  42,
  {},
  { by: '' },
  { by: 42 },
  { by: null },
  { by: ['root'] },
);

/** Values cacheTtlMs may not have. */
export const badCacheTtlArbitrary: fc.Arbitrary<unknown> = fc.constantFrom(
  -1,
  -0.5,
  -Infinity,
  Number.NaN,
  '5000',
  null,
  {},
  true,
);

/** Valid cacheTtlMs values, each exact at the clock's magnitude so boundaries are exact too. */
export const cacheTtlArbitrary: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.constantFrom(0.5, 1, 2.5, 1_000, 5_000, 86_400_000) },
  { weight: 1, arbitrary: fc.constant(Number.POSITIVE_INFINITY) },
);
