import { bench, describe } from 'vitest';
import { isAnagram as counting } from './index.ts';
import { isAnagram as sorting } from './variants/sorted-characters.ts';

// 1 MB of mixed text, and the same characters in reverse order.
const unit = 'Dormitory, dirty room! Élan vital ΟΔΟΣ кот 日本 𝒜 ';
const text = unit.repeat(Math.ceil(1_000_000 / unit.length));
const reversed = [...text].reverse().join('');

describe('isAnagram on 1 MB of mixed-script text', () => {
  bench('reference: one pass with counts', () => {
    counting(text, reversed);
  });
  bench('variant: sort the characters', () => {
    sorting(text, reversed);
  });
});
