import fc from 'fast-check';
import { expect } from 'vitest';
import { defineSpec } from '../../harness/kit/index.ts';
import type * as Anagram from './index.ts';

/**
 * Characters grouped by what they fold to: any two spellings in one group are the same character,
 * any two groups are different characters. Combining sequences and astral letters are included so
 * generated strings exercise normalization and surrogate pairs.
 */
const CHARACTER_CLASSES: readonly (readonly string[])[] = [
  ['a', 'A'],
  ['b', 'B'],
  ['z', 'Z'],
  ['7'],
  ['0'],
  ['é', 'É', 'e\u0301', 'E\u0301'],
  ['e', 'E'],
  ['ñ', 'Ñ', 'n\u0303', 'N\u0303'],
  ['q\u0303', 'Q\u0303'],
  ['σ', 'Σ', 'ς'],
  ['ж', 'Ж'],
  ['ø', 'Ø'],
  ['가'],
  ['日'],
  ['𝒜'],
  ['٣'],
];

/** Characters that never count. */
const IGNORED = [' ', '\t', '\n', '\u00a0', '\u3000', '.', ',', '!', '?', '-', '’', '$', '+', '©', '👍', '🇫🇷', '👩🏽‍💻'];

const characterClass = fc.integer({ min: 0, max: CHARACTER_CLASSES.length - 1 });

/** Picks one spelling of a character class. */
const spelling = (classIndex: number) => fc.constantFrom(...CHARACTER_CLASSES[classIndex]!);

/** A string with the given characters in order, each in some spelling, with ignored characters between. */
const render = (classes: readonly number[]) =>
  fc
    .tuple(
      fc.tuple(...classes.map((index) => spelling(index))),
      fc.array(fc.constantFrom(...IGNORED), { minLength: classes.length + 1, maxLength: classes.length + 1 }),
    )
    .map(([spellings, gaps]) => gaps.map((gap, index) => gap + (spellings[index] ?? '')).join(''));

/** The classes of a and a permutation of them. */
const permutedClasses = fc
  .array(characterClass, { minLength: 1, maxLength: 12 })
  .chain((classes) =>
    fc.tuple(
      fc.constant(classes),
      fc.shuffledSubarray(classes, { minLength: classes.length, maxLength: classes.length }),
    ),
  );

const shown = (text: string) => JSON.stringify(text);

export default defineSpec<typeof Anagram>('anagram', ({ check }) => {
  check(
    {
      id: 'classic-examples',
      title: 'answers the textbook examples, ignoring case and spaces',
      item: 'api-design',
      weight: 2,
    },
    ({ impl }) => {
      const cases: [string, string, boolean][] = [
        ['listen', 'silent', true],
        ['Dormitory', 'dirty room', true],
        ['The eyes', 'They see', true],
        ['Astronomer', 'Moon starer', true],
        ['hello', 'world', false],
        ['rat', 'car', false],
      ];
      for (const [a, b, expected] of cases) {
        expect(impl.isAnagram(a, b), `isAnagram(${shown(a)}, ${shown(b)})`).toBe(expected);
      }
    },
  );

  check(
    { id: 'counts-repeated-letters', title: 'a letter must appear as many times in both strings', item: 'api-design' },
    ({ impl }) => {
      expect(impl.isAnagram('aab', 'abb'), 'isAnagram("aab", "abb")').toBe(false);
      expect(impl.isAnagram('aabb', 'abab'), 'isAnagram("aabb", "abab")').toBe(true);
      expect(impl.isAnagram('cabbage', 'cab age'), 'isAnagram("cabbage", "cab age")').toBe(false);
    },
  );

  check(
    { id: 'extra-letters', title: 'a letter left over on either side means not an anagram', item: 'api-design' },
    ({ impl }) => {
      const cases: [string, string][] = [
        ['abc', 'ab'],
        ['ab', 'abc'],
        ['listen', 'silents'],
        ['a', ''],
      ];
      for (const [a, b] of cases) expect(impl.isAnagram(a, b), `isAnagram(${shown(a)}, ${shown(b)})`).toBe(false);
    },
  );

  check(
    {
      id: 'trivial-cases',
      title: 'a string is its own anagram, and strings without letters are anagrams',
      item: 'api-design',
    },
    ({ impl }) => {
      const cases: [string, string][] = [
        ['', ''],
        ['!!!', ''],
        ['   ', '...'],
        ['Anagram', 'Anagram'],
        ['👍', '🎉'],
      ];
      for (const [a, b] of cases) expect(impl.isAnagram(a, b), `isAnagram(${shown(a)}, ${shown(b)})`).toBe(true);
    },
  );

  check(
    {
      id: 'ignores-non-alphanumerics',
      title: 'whitespace of every kind, punctuation, symbols and emoji are ignored',
      item: 'api-design',
    },
    ({ impl }) => {
      const cases: [string, string][] = [
        ['a\tb\nc', 'cba'],
        ['a\u00a0b', 'ba'],
        ['a\u3000b', 'b a'],
        ['rail safety!', 'fairy tales?'],
        ['$5 + €3', '35'],
        ['👍 top', 'pot 🎉'],
        ['👩🏽‍💻 dev', 'ved'],
        ['©2024', '4202'],
      ];
      for (const [a, b] of cases) expect(impl.isAnagram(a, b), `isAnagram(${shown(a)}, ${shown(b)})`).toBe(true);
      expect(impl.isAnagram('a1', 'a'), 'digits count: isAnagram("a1", "a")').toBe(false);
    },
  );

  check(
    { id: 'case-insensitive', title: 'upper and lower case are the same letter', item: 'api-design' },
    ({ impl }) => {
      expect(impl.isAnagram('LISTEN', 'silent'), 'isAnagram("LISTEN", "silent")').toBe(true);
      expect(impl.isAnagram('Tom Marvolo Riddle', 'I am Lord Voldemort'), 'mixed case').toBe(true);
      expect(impl.isAnagram('ÉLAN', 'lané'), 'isAnagram("ÉLAN", "lané")').toBe(true);
      expect(impl.isAnagram('КОТ', 'ток'), 'isAnagram("КОТ", "ток")').toBe(true);
    },
  );

  check(
    {
      id: 'full-case-folding',
      title: 'full case folding: "ß" matches "ss", a final "ς" matches "σ"',
      item: 'api-design',
    },
    ({ impl }) => {
      expect(impl.isAnagram('straße', 'STRASSE'), 'isAnagram("straße", "STRASSE")').toBe(true);
      expect(impl.isAnagram('Maß', 'mass'), 'isAnagram("Maß", "mass")').toBe(true);
      expect(impl.isAnagram('ΟΔΟΣ', 'σοδο'), 'isAnagram("ΟΔΟΣ", "σοδο")').toBe(true);
      expect(impl.isAnagram('λόγος', 'σγόλο'), 'isAnagram("λόγος", "σγόλο")').toBe(true);
      expect(impl.isAnagram('ß', 's'), 'isAnagram("ß", "s")').toBe(false);
    },
  );

  check(
    {
      id: 'normalization-forms',
      title: 'a composed and a decomposed character are the same character',
      item: 'api-design',
    },
    ({ impl }) => {
      expect(impl.isAnagram('caf\u00e9', 'face\u0301'), 'composed vs decomposed "é"').toBe(true);
      expect(impl.isAnagram('\u00c5ngstr\u00f6m', 'mo\u0308rtsgna\u030a'), 'composed vs decomposed Ångström').toBe(
        true,
      );
      expect(impl.isAnagram('\ud55c\uae00', '\u1100\u1173\u11af\u1112\u1161\u11ab'), 'Hangul syllables vs jamo').toBe(
        true,
      );
    },
  );

  check(
    {
      id: 'combining-marks',
      title: 'a base character with its combining marks is one character, never the bare base',
      item: 'api-design',
    },
    ({ impl }) => {
      expect(impl.isAnagram('q\u0303', 'q'), '"q" + combining tilde vs "q"').toBe(false);
      expect(impl.isAnagram('\u00e9', 'e'), '"é" vs "e"').toBe(false);
      expect(impl.isAnagram('re\u0301sume\u0301', 'resume'), 'résumé vs resume').toBe(false);
      expect(impl.isAnagram('q\u0303a', 'aq\u0303'), 'combining sequences move with their base').toBe(true);
      expect(impl.isAnagram('q\u0303a', 'a\u0303q'), 'the mark belongs to the letter before it').toBe(false);
    },
  );

  check(
    {
      id: 'astral-characters',
      title: 'characters outside the Basic Multilingual Plane are never split into halves',
      item: 'api-design',
    },
    ({ impl }) => {
      expect(impl.isAnagram('𝒜𝒞', '𝒞𝒜'), 'isAnagram("𝒜𝒞", "𝒞𝒜")').toBe(true);
      expect(impl.isAnagram('𝒜', '𝒞'), 'isAnagram("𝒜", "𝒞")').toBe(false);
      expect(impl.isAnagram('𝒜', ''), 'isAnagram("𝒜", "")').toBe(false);
      expect(impl.isAnagram('𠀀a', 'a𠀀'), 'CJK Extension B').toBe(true);
    },
  );

  check(
    { id: 'non-ascii-letters', title: 'letters beyond ASCII count, and different letters differ', item: 'api-design' },
    ({ impl }) => {
      expect(impl.isAnagram('é', 'è'), 'isAnagram("é", "è")').toBe(false);
      expect(impl.isAnagram('über', 'rebü'), 'isAnagram("über", "rebü")').toBe(true);
      expect(impl.isAnagram('кот', 'кит'), 'isAnagram("кот", "кит")').toBe(false);
      expect(impl.isAnagram('日本', '本日'), 'isAnagram("日本", "本日")').toBe(true);
      expect(impl.isAnagram('日本', '本'), 'isAnagram("日本", "本")').toBe(false);
      expect(impl.isAnagram('٣١', '١٣'), 'Arabic-Indic digits').toBe(true);
    },
  );

  check(
    {
      id: 'rejects-non-strings',
      title: 'non-string input throws a TypeError naming the type it received',
      item: 'code-error-handling',
      redFlag: 'no-error-handling',
    },
    ({ impl }) => {
      const call = impl.isAnagram as (a: unknown, b: unknown) => boolean;
      const cases: [unknown, unknown, RegExp][] = [
        [undefined, 'a', /undefined/],
        ['a', null, /null/],
        [42, '42', /number/],
        ['ab', ['a', 'b'], /array|object/i],
        [{ toString: () => 'ab' }, 'ab', /object/],
      ];
      for (const [a, b, received] of cases) {
        const label = `isAnagram(${String(a)}, ${String(b)})`;
        let thrown: unknown;
        try {
          call(a, b);
        } catch (error) {
          thrown = error;
        }
        expect(thrown, `${label} should throw a TypeError`).toBeInstanceOf(TypeError);
        expect((thrown as TypeError).message, `${label}: the message should say what was received`).toMatch(received);
      }
    },
  );

  check(
    {
      id: 'symmetry',
      title: 'property: isAnagram(a, b) equals isAnagram(b, a) for any strings',
      item: 'api-design',
      redFlag: 'hardcoded-values',
    },
    async ({ impl, property }) => {
      const text = fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 12 }),
        fc.array(characterClass, { maxLength: 10 }).chain(render),
      );
      await property(
        fc.property(text, text, (a, b) => {
          expect(impl.isAnagram(a, b), `isAnagram(${shown(a)}, ${shown(b)}) vs reversed`).toBe(impl.isAnagram(b, a));
        }),
      );
    },
  );

  check(
    {
      id: 'permutation-invariance',
      title: 'property: any rearrangement of the same characters, spelled any way, is an anagram',
      item: 'api-design',
      redFlag: 'hardcoded-values',
    },
    async ({ impl, property }) => {
      await property(
        fc.property(
          permutedClasses.chain(([left, right]) => fc.tuple(render(left), render(right))),
          ([a, b]) => {
            expect(impl.isAnagram(a, b), `isAnagram(${shown(a)}, ${shown(b)})`).toBe(true);
          },
        ),
      );
    },
  );

  check(
    {
      id: 'normalization-invariance',
      title: 'property: the answer is the same whatever normalization form the input uses',
      item: 'api-design',
      redFlag: 'hardcoded-values',
    },
    async ({ impl, property }) => {
      const text = fc.array(characterClass, { minLength: 1, maxLength: 10 }).chain(render);
      await property(
        fc.property(text, text, fc.constantFrom('NFC', 'NFD'), fc.constantFrom('NFC', 'NFD'), (a, b, formA, formB) => {
          const expected = impl.isAnagram(a.normalize('NFC'), b.normalize('NFC'));
          const [na, nb] = [a.normalize(formA), b.normalize(formB)];
          expect(impl.isAnagram(na, nb), `isAnagram(${shown(na)}, ${shown(nb)}) in ${formA}/${formB}`).toBe(expected);
          expect(impl.isAnagram(na, a.normalize(formA === 'NFC' ? 'NFD' : 'NFC')), `${shown(a)} in NFC vs NFD`).toBe(
            true,
          );
        }),
      );
    },
  );

  check(
    {
      id: 'one-change-breaks-it',
      title: 'property: adding one letter or changing one letter makes it not an anagram',
      item: 'api-design',
      redFlag: 'hardcoded-values',
    },
    async ({ impl, property }) => {
      const edited = permutedClasses.chain(([left, right]) =>
        fc
          .record({
            position: fc.nat({ max: right.length - 1 }),
            replacement: characterClass,
            add: fc.boolean(),
          })
          .filter(({ add, position, replacement }) => add || right[position] !== replacement)
          .map(({ add, position, replacement }) => {
            const changed = [...right];
            if (add) changed.splice(position, 0, replacement);
            else changed[position] = replacement;
            return [left, changed] as const;
          })
          .chain(([l, r]) => fc.tuple(render(l), render(r))),
      );
      await property(
        fc.property(edited, ([a, b]) => {
          expect(impl.isAnagram(a, b), `isAnagram(${shown(a)}, ${shown(b)})`).toBe(false);
        }),
      );
    },
  );

  check(
    {
      id: 'linear-time',
      title: 'time grows linearly with input size (16x the input may not cost more than 48x the time)',
      item: 'api-design',
      timeoutMs: 30_000,
    },
    ({ impl }) => {
      const word = 'Listen, Silent! Élan ΟΔΟΣ кот 𝒜 ';
      const small = word.repeat(100);
      const large = word.repeat(1600);
      const reversedSmall = [...small].reverse().join('');
      const reversedLarge = [...large].reverse().join('');
      // Warm up so the first measurement does not pay for compilation.
      impl.isAnagram(small, reversedSmall);
      const smallTime = fastestOf(() => impl.isAnagram(small, reversedSmall), 40);
      const largeTime = fastestOf(() => impl.isAnagram(large, reversedLarge), 40);
      const ratio = largeTime / Math.max(smallTime, 0.001);
      expect(
        ratio,
        `16x larger input took ${ratio.toFixed(1)}x longer (${smallTime.toFixed(2)} ms vs ${largeTime.toFixed(2)} ms): quadratic?`,
      ).toBeLessThan(48);
    },
  );
});

/** The fastest of several timed batches, per call, in ms: robust to a GC pause or a busy core. */
function fastestOf(run: () => unknown, minimumBatchMs: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let batch = 0; batch < 3; batch++) {
    let calls = 0;
    const started = performance.now();
    let elapsed = 0;
    do {
      run();
      calls++;
      elapsed = performance.now() - started;
    } while (elapsed < minimumBatchMs);
    best = Math.min(best, elapsed / calls);
  }
  return best;
}
