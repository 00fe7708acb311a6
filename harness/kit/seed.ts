/**
 * Seeds for randomised checks, and how thoroughly properties run.
 *
 * - `KATA_SEED` pins every check's seed (a replay: `kata test <slug> --only <id> --seed N`).
 * - Otherwise a check's seed is derived from its kata, its id and `KATA_SEED_SALT`. `kata test`
 *   draws a new salt per run, so each run explores new cases; the grader uses a hash of the
 *   submission, so a grade reproduces exactly for the same file and no file can be fitted to a
 *   seed it cannot know in advance. Without a salt (the project's own suite) seeds are fixed.
 * - `KATA_RUNS_FACTOR` multiplies every property's number of cases (and the check's time limit):
 *   grading runs more cases than `kata test`.
 */

export const SEED_ENV = 'KATA_SEED';
export const SEED_SALT_ENV = 'KATA_SEED_SALT';
export const RUNS_FACTOR_ENV = 'KATA_RUNS_FACTOR';
/** How many times more cases grading runs than `kata test`; `kata test --thorough` runs as many. */
export const GRADING_RUNS_FACTOR = 3;
/** The most a runs factor may be: beyond it a check's time limit would stop meaning anything. */
export const MAX_RUNS_FACTOR = 10;

/** FNV-1a over the text: stable across runs, platforms and Node versions. */
export function seedFrom(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  // fast-check takes a 32-bit signed integer.
  return hash | 0;
}

export function parseSeed(raw: string, source: string): number {
  const seed = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 31) {
    throw new TypeError(`${source} must be a 32-bit integer, received ${JSON.stringify(raw)}`);
  }
  return seed;
}

export function parseRunsFactor(raw: string, source: string): number {
  const factor = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(factor) || factor < 1 || factor > MAX_RUNS_FACTOR) {
    throw new RangeError(`${source} must be an integer from 1 to ${MAX_RUNS_FACTOR}, received ${JSON.stringify(raw)}`);
  }
  return factor;
}

/** The seed a check runs with: KATA_SEED when set, else one derived from the check and the salt. */
export function seedForCheck(slug: string, checkId: string): number {
  const override = process.env[SEED_ENV];
  if (override !== undefined && override !== '') return parseSeed(override, SEED_ENV);
  const salt = process.env[SEED_SALT_ENV];
  return seedFrom(salt === undefined || salt === '' ? `${slug}:${checkId}` : `${slug}:${checkId}:${salt}`);
}

/** How many times the default number of cases every property runs: KATA_RUNS_FACTOR, default 1. */
export function runsFactor(): number {
  const raw = process.env[RUNS_FACTOR_ENV];
  return raw === undefined || raw === '' ? 1 : parseRunsFactor(raw, RUNS_FACTOR_ENV);
}
