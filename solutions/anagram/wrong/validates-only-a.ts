/**
 * Bug: checks that `a` is a string and trusts `b`. A bad `b` still ends in a TypeError, but the
 * runtime's own ("Cannot read properties of null", "b.normalize is not a function"), which says
 * neither which argument was wrong in the README's terms nor what type was received.
 * Violates: rejects-non-strings
 * Rejected by: rejects-non-strings
 */
import { isAnagram as reference } from '../index.ts';

export function isAnagram(a: string, b: string): boolean {
  if (typeof a !== 'string') {
    throw new TypeError(`isAnagram: argument "a" must be a string, received ${a === null ? 'null' : typeof a}`);
  }
  // Normalising first is harmless for a string; anything else fails here, with the runtime's words.
  return reference(a, b.normalize('NFC'));
}
