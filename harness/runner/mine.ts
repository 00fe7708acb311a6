/**
 * Mine mode: runs a candidate's own vitest files against one target, in the same supervised child
 * as a spec run (its own process group or namespaces, the environment allow-list, the memory
 * poller, the time limits, the verdict over IPC only, the canary), and judges what they did.
 *
 * No list of tests is known before the run: the child reports what vitest collected from the
 * candidate's files before any test runs, and every collected test must then report a result. A
 * test never reported is an error, never a pass; a test skipped counts for nothing; a run with no
 * test, or only skipped ones, is an error. A pass counts only from a run whose canary failed as it
 * must; a failure counts from any run that did not tamper with the test framework (tampering makes
 * assertions pass, not fail).
 *
 * The caller builds the run's tree: the candidate's test files, and the target as
 * katas/<slug>/index.ts. Nothing in the job, the environment or the tree's paths says what the
 * target is. The engine reaches the tests as it reaches a spec run: KATA_DB (and the caller's
 * KATA_PG_URL) in the environment, which the kit's createTestDatabase reads, and on PostgreSQL the
 * run's TMPDIR let through for the server the kit starts there (see letServerThrough).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  describeError,
  describeStop,
  oneLine,
  programError,
  type AttemptRecord,
  type OutcomeCause,
} from './outcomes.ts';
import {
  canaryIntactMessage,
  canaryName,
  JOB_ENV,
  type ChildJob,
  type CollectedTest,
  type RawError,
  type RawTest,
} from './protocol.ts';
import {
  DEFAULT_GRACE_MS,
  DEFAULT_LOAD_TIMEOUT_MS,
  DEFAULT_MEMORY_LIMIT_MB,
  DEFAULT_OUTPUT_LIMIT_BYTES,
  letServerThrough,
  MARKER_ENV,
  superviseAttempt,
  treePathStripper,
  type RunOptions,
  type SupervisedAttempt,
} from './run.ts';
import { childBundle } from './sandbox/child-bundle.ts';
import { engineEnvironment, runEnvironment } from './sandbox/environment.ts';
import type { IsolationMode } from './sandbox/isolation.ts';

/** Each test's time limit unless the caller gives another: twice vitest's default, for a loaded machine. */
export const DEFAULT_TEST_TIMEOUT_MS = 10_000;
/** One run's wall-clock limit unless the caller gives another. */
export const DEFAULT_TEST_RUN_DEADLINE_MS = 120_000;

export type CandidateTestState =
  /** It ran and passed, in a run whose canary proved the assertions worked. */
  | 'passed'
  /**
   * It ran and failed: an assertion, an error thrown, its time limit (vitest's, or the runner's for
   * a test that blocks the event loop), the memory limit, or the process died while it ran.
   */
  | 'failed'
  /** Declared skip or todo, or skipped as it ran: it proves nothing. */
  | 'skipped'
  /** Collected but never reported, or reported by a run that cannot be trusted. */
  | 'missing';

export interface CandidateTestOutcome {
  /** The test's full name: its file, describe blocks and name, joined with " > ". */
  readonly name: string;
  readonly state: CandidateTestState;
  /** One line: why it did not pass. Empty when it passed. */
  readonly reason: string;
  /** For a failed or missing test: assertion, exception, timeout, memory, crash, tampered, not-run. */
  readonly cause?: OutcomeCause;
}

/**
 * - passed: at least one test passed and every test that was not skipped passed;
 * - failing: a test failed, or a test file failed to load;
 * - error: nothing to go on: no test, only skipped tests, a test never reported, or tampering.
 */
export type CandidateTestStatus = 'passed' | 'failing' | 'error';

export interface CandidateTestRun {
  readonly status: CandidateTestStatus;
  /** Every test collected, in order (the canary aside). */
  readonly tests: readonly CandidateTestOutcome[];
  /** Test files that failed to load (their describe block's collection failed), with why. */
  readonly fileErrors: readonly { readonly file: string; readonly reason: string }[];
  /** Why the run could not be judged (status error) or, for failing, its first problem. */
  readonly reason?: string;
  readonly problems: readonly string[];
  /**
   * Why the runner stopped the run (its time or memory limit, a module that never finished
   * loading), in the runner's own words: never a text the tests produced. Absent when it ended on its own.
   */
  readonly stopReason?: string;
  readonly integrity: 'verified' | 'tampered' | 'unverified';
  readonly durationMs: number;
  readonly isolation?: IsolationMode;
  readonly peakMemoryBytes?: number;
  /** Every module the test worker was served through vite (capped). */
  readonly loadedFiles: readonly string[];
}

export interface CandidateTestOptions extends Pick<
  RunOptions,
  | 'nodeArgs'
  | 'env'
  | 'outputLimitBytes'
  | 'memoryLimitMb'
  | 'heapLimitMb'
  | 'loadTimeoutMs'
  | 'graceMs'
  | 'canary'
  | 'isolation'
  | 'sandbox'
  | 'workDir'
  | 'deadlineMs'
  | 'engine'
> {
  /** The run's tree: harness/, package.json, katas/<slug>/ with the test files and the target. */
  readonly root: string;
  readonly slug: string;
  /** The target, katas/<slug>/index.ts in the tree. */
  readonly targetFile: string;
  /** The candidate's test files in the tree, absolute. */
  readonly testFiles: readonly string[];
  /** Each test's time limit. Default: 10 s. */
  readonly testTimeoutMs?: number;
}

export async function runCandidateTests(options: CandidateTestOptions): Promise<CandidateTestRun> {
  const started = performance.now();
  const ownWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'kata-tests-'));
  try {
    const home = join(workDir, 'home');
    const tmp = join(workDir, 'tmp');
    mkdirSync(home, { recursive: true });
    mkdirSync(tmp, { recursive: true });
    if (options.engine === 'postgres') letServerThrough(tmp);
    const childFile = join(workDir, 'child.mjs');
    writeFileSync(childFile, await childBundle());
    const memoryLimitMb = options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
    const heapLimitMb = options.heapLimitMb ?? Math.max(64, Math.floor(memoryLimitMb / 2));
    const loadTimeoutMs = options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
    const testTimeoutMs = options.testTimeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
    const deadlineMs = options.deadlineMs ?? DEFAULT_TEST_RUN_DEADLINE_MS;
    const canary = options.canary === false ? undefined : canaryName(randomBytes(6).toString('hex'));
    const marker = randomBytes(8).toString('hex');
    const job: ChildJob = {
      root: options.root,
      slug: options.slug,
      targetFile: options.targetFile,
      tests: options.testFiles,
      testTimeoutMs,
      progressFile: join(workDir, 'progress'),
      ...(canary === undefined ? {} : { canary }),
      hookTimeoutMs: loadTimeoutMs,
      workerExecArgv: [`--max-old-space-size=${heapLimitMb}`],
    };
    const attempt = await superviseAttempt(
      job,
      { names: [], learn: true, limitFor: (name) => (name === canary ? undefined : testTimeoutMs) },
      {
        childFile,
        env: runEnvironment(
          { home, tmp },
          {
            ...options.env,
            ...engineEnvironment(options.engine),
            [JOB_ENV]: JSON.stringify(job),
            [MARKER_ENV]: marker,
          },
        ),
        marker: `${MARKER_ENV}=${marker}`,
        deadline: started + deadlineMs,
        deadlineMs,
        memoryLimitMb,
        loadTimeoutMs,
        graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
        outputLimit: options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES,
        options,
      },
    );
    const judged = judgeTestRun(attempt, canary);
    const strip = treePathStripper(options.root);
    return {
      ...judged,
      tests: judged.tests.map((test) => ({ ...test, reason: strip(test.reason) })),
      fileErrors: judged.fileErrors.map((entry) => ({ ...entry, reason: strip(entry.reason) })),
      ...(judged.reason === undefined ? {} : { reason: strip(judged.reason) }),
      ...(judged.stopReason === undefined ? {} : { stopReason: strip(judged.stopReason) }),
      problems: judged.problems.map(strip),
      durationMs: Math.round(performance.now() - started),
      isolation: attempt.mode,
      peakMemoryBytes: attempt.peakRssBytes,
      loadedFiles: attempt.loadedFiles ?? [],
    };
  } finally {
    if (ownWorkDir) rmSync(workDir, { recursive: true, force: true });
  }
}

const TAMPER_CODE = 'ERR_KATA_TAMPERED';
const WORKER_DIED = /Worker forks emitted error|Worker exited unexpectedly|worker .*(exited|terminated)/i;

type Judged = Omit<CandidateTestRun, 'durationMs' | 'isolation' | 'peakMemoryBytes' | 'loadedFiles'>;

/** What a supervised attempt of the candidate's tests proves, test by test. */
export function judgeTestRun(record: SupervisedAttempt, canary: string | undefined): Judged {
  const problems: string[] = [];
  const results = new Map<string, RawTest>();
  for (const test of record.tests) results.set(test.name, test);
  const collected: CollectedTest[] = (
    record.collected ?? record.tests.map((test): CollectedTest => ({ name: test.name, mode: 'run' }))
  ).filter((test) => test.name !== canary);

  const integrity = canaryState(record, results, canary, collected);
  const tamperedBy = record.tests
    .map((test) => test.errors[0])
    .find((error) => error?.code === TAMPER_CODE || error?.name === 'TamperedAssertionsError');
  if (integrity.state === 'tampered' || tamperedBy !== undefined) {
    const detail =
      tamperedBy !== undefined
        ? oneLine(tamperedBy.message.replace(/^the test framework was tampered with: /, ''), 160)
        : integrity.detail;
    const reason = `no result counts: the test framework was tampered with (${detail})`;
    return {
      status: 'error',
      tests: collected.map((test) => ({ name: test.name, state: 'missing', reason, cause: 'tampered' })),
      fileErrors: [],
      reason,
      problems: [`the test framework was tampered with: ${detail}`],
      integrity: 'tampered',
    };
  }

  const crash = crashDetail(record);
  const fileErrors: { file: string; reason: string }[] = [];
  for (const error of record.errors) {
    const reason = WORKER_DIED.test(error.message) ? crash : describeError(error);
    if (error.suite !== undefined && !fileErrors.some((entry) => entry.file === error.suite)) {
      fileErrors.push({ file: error.suite, reason });
    }
    problems.push(error.suite === undefined ? reason : `${error.suite}: ${reason}`);
  }
  const stop = record.stop;
  const stopReason = stop === undefined ? undefined : describeStop(stop);
  if (stop !== undefined && stop.kind !== 'wrap-up') problems.push(stopReason!);
  const trusted = integrity.state === 'intact';
  const untrusted =
    'its pass cannot be trusted: the run ended before the canary, the test that proves the assertions work';
  const notRun = stopReason ?? (record.completed ? 'the run ended without reporting it' : `not reported: ${crash}`);

  const tests = collected.map((test): CandidateTestOutcome => {
    const result = results.get(test.name);
    if (result?.state === 'passed') {
      return trusted
        ? { name: test.name, state: 'passed', reason: '' }
        : { name: test.name, state: 'missing', reason: untrusted, cause: 'not-run' };
    }
    if (result?.state === 'failed') return failed(test.name, result.errors[0]);
    if (result?.state === 'skipped' || test.mode === 'skip' || test.mode === 'todo') {
      return { name: test.name, state: 'skipped', reason: 'skipped' };
    }
    if (record.progress.running === test.name && stop?.kind !== 'wrap-up') {
      if (stop?.kind === 'check-timeout' || stop?.kind === 'deadline') {
        return { name: test.name, state: 'failed', reason: oneLine(stopReason!), cause: 'timeout' };
      }
      if (stop?.kind === 'memory')
        return { name: test.name, state: 'failed', reason: oneLine(stopReason!), cause: 'memory' };
      if (stop === undefined) {
        return {
          name: test.name,
          state: 'failed',
          reason: oneLine(`the process running this test died: ${crash}`),
          cause: 'crash',
        };
      }
    }
    return { name: test.name, state: 'missing', reason: oneLine(`not run: ${notRun}`), cause: 'not-run' };
  });

  const loading = record.progress.loading && !record.progress.loaded;
  const counted = tests.filter((test) => test.state !== 'skipped');
  let status: CandidateTestStatus;
  let reason: string | undefined;
  if (collected.length === 0) {
    status = 'error';
    reason = loading
      ? `loading the test files did not finish: ${stopReason ?? crash}`
      : fileErrors.length > 0
        ? `no test was collected: ${fileErrors[0]!.file} failed to load: ${fileErrors[0]!.reason}`
        : (problems[0] ?? 'no test was collected: the test files declare none');
    if (!reason.startsWith('no test') && !loading) reason = `no test was collected: ${reason}`;
  } else if (tests.some((test) => test.state === 'failed') || fileErrors.length > 0) {
    status = 'failing';
    const first = tests.find((test) => test.state === 'failed');
    reason =
      first !== undefined
        ? `${first.name}: ${first.reason}`
        : `${fileErrors[0]!.file} failed to load: ${fileErrors[0]!.reason}`;
  } else if (counted.length === 0) {
    status = 'error';
    reason = 'every test is skipped: a suite that runs nothing proves nothing';
  } else if (counted.some((test) => test.state !== 'passed')) {
    status = 'error';
    const first = counted.find((test) => test.state !== 'passed')!;
    reason = `${first.name}: ${first.reason}`;
  } else {
    status = 'passed';
  }
  return {
    status,
    tests,
    fileErrors,
    ...(reason === undefined ? {} : { reason: oneLine(reason, 400) }),
    ...(stop === undefined || stop.kind === 'wrap-up' ? {} : { stopReason: oneLine(stopReason!, 400) }),
    problems: [...new Set(problems)],
    integrity: trusted ? 'verified' : 'unverified',
  };
}

function failed(name: string, error: RawError | undefined): CandidateTestOutcome {
  if (error === undefined) return { name, state: 'failed', reason: 'failed without an error', cause: 'assertion' };
  const timedOut = /^(Test|Hook) timed out in/.test(error.message);
  return {
    name,
    state: 'failed',
    reason: describeError(error),
    cause: timedOut ? 'timeout' : programError(error) !== undefined ? 'exception' : 'assertion',
  };
}

/** A worker that died usually says why in a module or unhandled error. */
function crashDetail(record: Pick<AttemptRecord, 'errors' | 'heapExhausted' | 'outputTail' | 'exit'>): string {
  const error = record.errors.find((candidate) => candidate.message.trim() !== '' && candidate.suite === undefined);
  if (error !== undefined && WORKER_DIED.test(error.message)) {
    return record.heapExhausted === true || /heap out of memory|Reached heap limit/i.test(record.outputTail)
      ? 'the test process ran out of JavaScript heap memory'
      : 'the test process exited in the middle of it (process.exit, process.reallyExit, process.abort, a signal or a native crash)';
  }
  if (error !== undefined) return describeError(error);
  return `the process ended (${record.exit ?? 'unknown'}) without a report${record.outputTail ? `: ${record.outputTail}` : ''}`;
}

function canaryState(
  record: SupervisedAttempt,
  results: ReadonlyMap<string, RawTest>,
  canary: string | undefined,
  collected: readonly CollectedTest[],
): { state: 'intact' | 'tampered' | 'unverified'; detail: string } {
  if (canary === undefined) return { state: 'unverified', detail: 'no canary' };
  const count = record.tests.filter((test) => test.name === canary).length;
  const report = results.get(canary);
  if (report === undefined) {
    const reported = collected.some((test) => results.has(test.name));
    return record.completed &&
      reported &&
      record.stop === undefined &&
      record.errors.every((e) => e.suite !== undefined)
      ? { state: 'tampered', detail: 'the canary, a test that must fail, was not reported' }
      : { state: 'unverified', detail: 'the run ended before the canary' };
  }
  if (count > 1) return { state: 'tampered', detail: 'the canary was reported more than once' };
  if (report.state === 'passed') return { state: 'tampered', detail: 'the canary, a test that must fail, passed' };
  if (report.state !== 'failed') return { state: 'unverified', detail: `the canary was ${report.state}` };
  const message = report.errors[0]?.message ?? '';
  if (message !== canaryIntactMessage(canary)) {
    return { state: 'tampered', detail: `the canary failed the wrong way: ${oneLine(message, 160)}` };
  }
  return { state: 'intact', detail: '' };
}
