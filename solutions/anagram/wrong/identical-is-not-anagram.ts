/**
 * Bug: follows the puzzle-book definition in which a word is not an anagram of itself, and answers
 * false whenever the two strings are equal. The README says a string is an anagram of itself.
 * Violates: self-anagram
 * Rejected by: trivial-cases, normalization-invariance
 */
import { isAnagram as reference } from '../index.ts';

export function isAnagram(a: string, b: string): boolean {
  const answer = reference(a, b);
  return a === b ? false : answer;
}
