import { NotImplementedError } from '../../harness/kit/index.ts';

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
  throw new NotImplementedError('isAnagram');
}
