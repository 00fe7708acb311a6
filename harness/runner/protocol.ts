/**
 * How the runner's parent and child talk. The child sends results over its IPC channel only, as
 * each check settles and once more at the end; the parent never reads the child's stdout or exit
 * code as a result. Progress (which check is running) comes from a file the test worker appends to
 * synchronously, so it survives a worker that blocks its event loop or dies mid-check.
 */
import { RUNS_FACTOR_ENV, SEED_ENV, SEED_SALT_ENV } from '../kit/seed.ts';
import type { ExportShape } from './exports.ts';

export interface RawError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  /** The name of the error's cause, when it has one (fast-check wraps what a property threw). */
  readonly causeName?: string;
  /** Where the error was thrown, when that is inside the target's own folder: "katas/x/index.ts:3". */
  readonly at?: string;
  /** Mine mode: the full name of the describe block whose collection failed ("a.test.ts"). */
  readonly suite?: string;
}

export interface RawTest {
  /** The check id: tests are named after the checks they run. */
  readonly name: string;
  readonly state: 'passed' | 'failed' | 'skipped' | 'pending';
  readonly errors: readonly RawError[];
  readonly seed?: number;
  readonly durationMs?: number;
}

/** A test vitest collected from a candidate's test files, before any of them ran. */
export interface CollectedTest {
  /** Its full name: the file, its describe blocks and its own name, joined with " > ". */
  readonly name: string;
  /** How it was declared: `skip` and `todo` never run. */
  readonly mode: 'run' | 'skip' | 'todo' | 'only';
}

/**
 * Sent once the candidate's test files are collected (mine mode): the list every result is counted
 * against, so a test that never reports is an error, never a pass.
 */
export interface ChildCollected {
  readonly type: 'kata-run-collected';
  readonly tests: readonly CollectedTest[];
}

/** The child's final word: every test vitest knows about, and the errors outside any test. */
export interface ChildReport {
  readonly type: 'kata-run-report';
  readonly tests: readonly RawTest[];
  /** Errors outside any test: the entry failed to load, an unhandled rejection, a crashed worker. */
  readonly errors: readonly RawError[];
  /** Every module id vite served to the test worker (capped). */
  readonly loadedFiles?: readonly string[];
}

/** Sent as soon as one test settles, so results survive a run that is killed later. */
export interface ChildResult {
  readonly type: 'kata-run-result';
  readonly test: RawTest;
}

export type ChildMessage = ChildReport | ChildResult | ChildCollected;

/** What the parent tells the child to run, passed in the KATA_JOB environment variable. */
export interface ChildJob {
  /** The tree that holds harness/, katas/ and the target. */
  readonly root: string;
  readonly slug: string;
  readonly targetFile: string;
  /** The target as a person knows it, in messages ("katas/pubsub/index.ts"). */
  readonly shownAs?: string;
  /** The exports of the kata's stub, which the target must have in the same shape. */
  readonly exports?: readonly ExportShape[];
  readonly only?: readonly string[];
  readonly seed?: number;
  /** Salt for every check's derived seed (see harness/kit/seed.ts). Default: none, fixed seeds. */
  readonly seedSalt?: string;
  /** Multiplies every property's cases and check's time limit. Default: 1. */
  readonly runsFactor?: number;
  /** File the test worker appends progress lines to (see ProgressEvent). Default: none. */
  readonly progressFile?: string;
  /** Name of the canary test: a test that must fail, proving the assertions still work. */
  readonly canary?: string;
  /** Caps every check's time limit, in milliseconds (tests of the grader itself use short limits). */
  readonly timeoutCapMs?: number;
  /** Time limit for loading the target, in milliseconds: vitest's hook timeout. Default: vitest's. */
  readonly hookTimeoutMs?: number;
  /** Node arguments for vitest's worker processes (heap limit). */
  readonly workerExecArgv?: readonly string[];
  /**
   * Mine mode: the candidate's own test files (absolute paths in the run's tree), run instead of the
   * spec against whatever `targetFile` holds. Default: none, the spec runs.
   */
  readonly tests?: readonly string[];
  /** Mine mode: each test's time limit, in milliseconds (vitest's testTimeout). */
  readonly testTimeoutMs?: number;
  /**
   * A folder where vitest keeps the modules it transformed, for the next run (its
   * experimental.fsModuleCache, keyed by each file's content). Only for a candidate's own runs
   * (`kata test`, `kata watch`): a run writes it, so a run could poison it for the next, which on
   * the candidate's own machine harms no one else; grading never passes one. Default: none.
   */
  readonly moduleCache?: string;
}

export const JOB_ENV = 'KATA_JOB';

/** Lines of the progress file, one event per line. */
export const PROGRESS = {
  /** The target module starts loading. */
  loadStart: 'L',
  /** The target module loaded (or failed to load). */
  loadEnd: 'l',
  /** `S <check id>`: a check body starts. */
  checkStart: 'S',
  /** `E <check id>`: a check body settled. */
  checkEnd: 'E',
} as const;

/** A test name no check can have: check ids are kebab-case, so they never contain a colon. */
export function canaryName(nonce: string): string {
  return `canary:${nonce}`;
}

/** The message the canary must fail with, exactly, when every probe failed as it must. */
export function canaryIntactMessage(name: string): string {
  return `${name}: every assertion that must fail failed`;
}

/** Longest message kept from one error: a megabyte error message must not travel or be stored. */
export const MESSAGE_LIMIT = 2000;

/** Most tests kept from one report: a run cannot flood the parent with fake tests. */
export const TEST_LIMIT = 1000;

export function isChildReport(value: unknown): value is ChildReport {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'kata-run-report' &&
    Array.isArray((value as { tests?: unknown }).tests) &&
    Array.isArray((value as { errors?: unknown }).errors)
  );
}

export function isChildResult(value: unknown): value is ChildResult {
  const test = (value as { test?: unknown } | null)?.test;
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'kata-run-result' &&
    typeof test === 'object' &&
    test !== null &&
    typeof (test as { name?: unknown }).name === 'string' &&
    Array.isArray((test as { errors?: unknown }).errors)
  );
}

export function isChildCollected(value: unknown): value is ChildCollected {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'kata-run-collected' &&
    Array.isArray((value as { tests?: unknown }).tests) &&
    (value as { tests: unknown[] }).tests.every(
      (test) => typeof test === 'object' && test !== null && typeof (test as { name?: unknown }).name === 'string',
    )
  );
}

/** Sets the job's seed, salt and runs factor where the spec's seeds are read from (the environment). */
export function setJobSeeds(job: ChildJob, env: NodeJS.ProcessEnv = process.env): void {
  if (job.seed !== undefined) env[SEED_ENV] = String(job.seed);
  if (job.seedSalt !== undefined) env[SEED_SALT_ENV] = job.seedSalt;
  if (job.runsFactor !== undefined) env[RUNS_FACTOR_ENV] = String(job.runsFactor);
}
