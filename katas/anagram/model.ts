/**
 * The rules of README.md as plain, slow code: the spec's definition of the right answer. It follows
 * the README's five steps literally, one code point at a time, and counts by comparing lists, so
 * that each line can be checked against the README by eye. It favours obviousness over speed.
 */

const COMBINING_MARK = /^\p{M}$/u;
const LETTER_OR_DECIMAL_DIGIT = /^[\p{L}\p{Nd}]$/u;

/**
 * Unicode full case folding of one code point (CaseFolding.txt, statuses C and F, not T).
 *
 * JavaScript has no casefold(). Lower-casing, upper-casing and lower-casing again reproduces
 * CaseFolding.txt for every assigned code point of Unicode 15.0 but one, as checked against the
 * file itself (see solutions/anagram/NOTES.md): U+0131, the dotless ı, has no folding (only the
 * Turkic T status maps it), while upper-casing turns it into I and so into i. Cherokee letters
 * come out in lower case where the file folds to upper case: the same letters are equal either way.
 * One code point at a time, so JavaScript's context rule for a word-final sigma never applies.
 */
export function foldCodePoint(codePoint: string): string {
  if (codePoint === '\u0131') return codePoint;
  return codePoint.toLowerCase().toUpperCase().toLowerCase();
}

/** The counted characters of `text`, in order: the README's five steps. */
export function countedCharacters(text: string): string[] {
  // 1. Normalize to NFC.
  const normalized = text.normalize('NFC');
  // 2. Case-fold every code point.
  let folded = '';
  for (const codePoint of Array.from(normalized)) folded += foldCodePoint(codePoint);
  // 3. Normalize to NFC again.
  const refolded = folded.normalize('NFC');
  // 4. Split into characters: a code point that is not a combining mark starts one; marks join it.
  const characters: string[][] = [];
  for (const codePoint of Array.from(refolded)) {
    const last = characters[characters.length - 1];
    if (COMBINING_MARK.test(codePoint) && last !== undefined) last.push(codePoint);
    else characters.push([codePoint]);
  }
  // 5. Keep the characters whose first code point is a letter or a decimal digit. (Marks at the
  // very start form a character of their own, whose first code point is a mark: not kept.)
  return characters
    .filter((character) => LETTER_OR_DECIMAL_DIGIT.test(character[0]!))
    .map((character) => character.join(''));
}

/** How many times `character` occurs in `characters`. */
function occurrences(characters: readonly string[], character: string): number {
  return characters.filter((candidate) => candidate === character).length;
}

/** True when `a` and `b` have the same counted characters, each as many times. */
export function modelIsAnagram(a: string, b: string): boolean {
  const left = countedCharacters(a);
  const right = countedCharacters(b);
  if (left.length !== right.length) return false;
  return left.every((character) => occurrences(left, character) === occurrences(right, character));
}
