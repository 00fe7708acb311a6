/**
 * Reference: count folded characters in one pass over each string, then check every count is
 * back to zero. Linear in the input; memory proportional to the number of distinct characters.
 */

/** Combining marks start at U+0300; anything below can be classified without a regex. */
const FIRST_COMBINING_MARK = 0x300;
const COMBINING_MARK = /^\p{M}$/u;
const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}]/u;
const DOTLESS_I = '\u0131';

interface Counts {
  /** Plain ASCII letters and digits, by code: most text is mostly these, and an array is cheap. */
  readonly ascii: Int32Array;
  /** Everything else, keyed by the folded character with its marks. */
  readonly other: Map<string, number>;
}

export function isAnagram(a: string, b: string): boolean {
  requireString(a, 'a');
  requireString(b, 'b');
  const counts: Counts = { ascii: new Int32Array(0x80), other: new Map() };
  tally(a, counts, 1);
  tally(b, counts, -1);
  return counts.ascii.every((count) => count === 0) && [...counts.other.values()].every((count) => count === 0);
}

function requireString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') {
    const received = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    throw new TypeError(`isAnagram: argument "${name}" must be a string, received ${received}`);
  }
}

/**
 * Case-folds the whole text. Upper-casing then lower-casing expands "ß" to "ss" and maps every
 * sigma to one form, except that lower-casing re-creates the word-final "ς", which is undone.
 * The dotless "ı" is the one letter this gets wrong (it has no folding, but upper-casing turns it
 * into "I" and so into "i"), so the text is folded around it. Normalising again afterwards keeps
 * composed and decomposed results equal.
 */
function fold(text: string): string {
  return text.normalize('NFC').split(DOTLESS_I).map(foldCase).join(DOTLESS_I).normalize('NFC');
}

function foldCase(text: string): string {
  return text.toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ');
}

/** Adds `delta` for every letter or digit of `text`, a base character together with its marks. */
function tally(text: string, counts: Counts, delta: number): void {
  const folded = fold(text);
  let index = 0;
  while (index < folded.length) {
    const start = index;
    index += codePointLength(folded, index);
    while (index < folded.length && isCombiningMark(folded, index)) index += codePointLength(folded, index);
    const code = folded.charCodeAt(start);
    if (index === start + 1 && code < 0x80) {
      if (isAsciiLetterOrDigit(code)) counts.ascii[code]! += delta;
      continue;
    }
    const unit = folded.slice(start, index);
    if (LETTER_OR_DIGIT.test(unit)) counts.other.set(unit, (counts.other.get(unit) ?? 0) + delta);
  }
}

function codePointLength(text: string, index: number): number {
  return (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
}

function isCombiningMark(text: string, index: number): boolean {
  const code = text.codePointAt(index) ?? 0;
  return code >= FIRST_COMBINING_MARK && COMBINING_MARK.test(String.fromCodePoint(code));
}

/** Folding has already lower-cased, so only a-z and 0-9 remain to count. */
function isAsciiLetterOrDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a);
}
