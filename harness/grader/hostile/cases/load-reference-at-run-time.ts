/**
 * Hostile: loads the grader's reference solution at run time, by an absolute path computed at run
 * time so no scan of the source can see it (the test writes the grader's root into GRADER_ROOT).
 */
const GRADER_ROOT = '__GRADER_ROOT__';
const reference = [GRADER_ROOT, 'solutions', 'tally', 'index.ts'].join('/');
const loaded = (await import(reference)) as { tally(words: readonly string[]): Map<string, number> };

export const tally = loaded.tally;
