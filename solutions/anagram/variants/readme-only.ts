/**
 * Variant written from the README alone, by someone who never read the reference (copied from an
 * independent implementation, unchanged below this header): NFC, case folding code point by code
 * point with the dotless ı kept, NFC again, split into characters, count in one Map.
 */
/**
 * Anagram check over Unicode text.
 *
 * Pipeline, per string: NFC-normalize, split into characters (a starter plus the combining marks
 * that follow it), case-fold each character code point by code point (Unicode full case folding),
 * re-normalize to NFC, split again (folding can expand one character into several, e.g. "ß" -> "ss"),
 * keep the characters whose base is a letter (L) or a decimal digit (Nd), and count them. `a` adds
 * to the tally, `b` subtracts; anagrams leave every count at zero. Linear in the input length.
 */

const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}]/u;
const COMBINING_MARK = /^\p{M}/u;

/** Kind of a code point: 0 = other starter, 1 = counted starter (letter/digit), 2 = combining mark. */
type Kind = 0 | 1 | 2;

const kindCache = new Map<number, Kind>();
const ASCII_KINDS: Kind[] = [];
for (let cp = 0; cp < 128; cp++) ASCII_KINDS.push(classify(cp));

function classify(cp: number): Kind {
  const ch = String.fromCodePoint(cp);
  if (COMBINING_MARK.test(ch)) return 2;
  if (LETTER_OR_DIGIT.test(ch)) return 1;
  return 0;
}

function kindOf(cp: number): Kind {
  if (cp < 128) return ASCII_KINDS[cp]!;
  let kind = kindCache.get(cp);
  if (kind === undefined) {
    kind = classify(cp);
    kindCache.set(cp, kind);
  }
  return kind;
}

/**
 * Full case folding of one code point. For every code point but one, lower(upper(lower(c))) gives
 * the same equivalence classes as CaseFolding.txt (status C + F): "ß"/"ẞ" -> "ss", "ς" -> "σ",
 * "İ" -> "i" + U+0307, "ﬃ" -> "ffi". The exception is U+0131 (dotless ı), which has no folding:
 * upper-casing it would turn it into "I" and so into "i".
 */
function foldCodePoint(ch: string): string {
  if (ch === '\u0131') return ch;
  return ch.toLowerCase().toUpperCase().toLowerCase();
}

/** Splits NFC text into characters: a starter and the combining marks after it. */
function splitCharacters(text: string, emit: (start: number, end: number, counted: boolean) => void): void {
  let start = 0;
  let counted = false;
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const kind = kindOf(cp);
    if (kind !== 2) {
      if (i > start) emit(start, i, counted);
      start = i;
      counted = kind === 1;
    }
    i += width;
  }
  if (i > start) emit(start, i, counted);
}

const foldCache = new Map<string, readonly string[]>();
const MAX_CACHED_LENGTH = 16;

/** The counted, case-folded characters one NFC character stands for (usually one, "ß" gives two). */
function foldedCharacters(character: string): readonly string[] {
  const cached = foldCache.get(character);
  if (cached) return cached;
  let folded = '';
  for (const ch of character) folded += foldCodePoint(ch);
  folded = folded.normalize('NFC');
  const result: string[] = [];
  splitCharacters(folded, (start, end, counted) => {
    if (counted) result.push(folded.slice(start, end));
  });
  if (character.length <= MAX_CACHED_LENGTH) foldCache.set(character, result);
  return result;
}

function tally(text: string, counts: Map<string, number>, delta: 1 | -1): void {
  const normalized = text.normalize('NFC');
  splitCharacters(normalized, (start, end) => {
    // Uncounted starters can still fold into letters only in exotic cases (a lone U+0345), so every
    // character goes through the fold; the fold decides what counts.
    for (const key of foldedCharacters(normalized.slice(start, end))) {
      counts.set(key, (counts.get(key) ?? 0) + delta);
    }
  });
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'object (an array)';
  return typeof value;
}

function requireString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new TypeError(`argument "${name}" must be a string, received ${describeType(value)}`);
  }
}

/**
 * Returns true when `b` uses exactly the same letters and digits as `a`, each as many times.
 *
 * - Only letters and digits count: whitespace, punctuation, symbols and emoji are ignored.
 * - Case-insensitive under Unicode full case folding: "ß" matches "ss", "ς" matches "σ".
 * - Compared after NFC normalization; a base character with its combining marks is one character.
 * - Throws a TypeError naming the argument when `a` or `b` is not a string.
 *
 * See README.md for the full rules and examples.
 */
export function isAnagram(a: string, b: string): boolean {
  requireString('a', a);
  requireString('b', b);
  if (a === b) return true;
  const counts = new Map<string, number>();
  tally(a, counts, 1);
  tally(b, counts, -1);
  for (const count of counts.values()) {
    if (count !== 0) return false;
  }
  return true;
}
