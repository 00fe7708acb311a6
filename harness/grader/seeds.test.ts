import { describe, expect, test } from 'vitest';
import { submissionSalt } from './grade.ts';

const file = (path: string, text: string) => ({ path, content: Buffer.from(text) });

describe('grading seeds', () => {
  test('the same submission always gets the same salt, whatever the order of its files', () => {
    const a = [file('index.ts', 'export const x = 1;'), file('lib/util.ts', 'export {};')];
    expect(submissionSalt(a)).toBe(submissionSalt([...a].reverse()));
  });

  test('changing one character of the submission changes the salt, so seeds cannot be fitted', () => {
    expect(submissionSalt([file('index.ts', 'export const x = 1;')])).not.toBe(
      submissionSalt([file('index.ts', 'export const x = 2;')]),
    );
  });

  test('file boundaries count: moving text between files changes the salt', () => {
    expect(submissionSalt([file('a.ts', 'ab'), file('b.ts', 'c')])).not.toBe(
      submissionSalt([file('a.ts', 'a'), file('b.ts', 'bc')]),
    );
  });
});
