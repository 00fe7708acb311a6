/** Hostile: hands in the reference solution by importing it. */
// @ts-expect-error The path exists in the grader's tree, where this file runs, not beside it here.
export { tally } from '../../solutions/tally/index.ts';
