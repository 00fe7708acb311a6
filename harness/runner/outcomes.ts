/**
 * Turns what a run reported into a verdict per check. The expected list comes from the spec in the
 * caller's own process, never from the run: a check the run did not report, reported as skipped or
 * reported twice is an error, never a pass; a pass counts only when the run's canary (a test that
 * must fail) failed with its exact message, proving the assertions still worked.
 */
import { isNotImplemented } from '../kit/errors.ts';
import type { ResolvedCheck } from '../kit/spec.ts';
import { canaryIntactMessage, type ChildReport, type RawError, type RawTest } from './protocol.ts';

export type CheckStatus = 'passed' | 'failed' | 'not-started' | 'missing';

/** Why a check ended as it did, for tools that treat a crash differently from a wrong answer. */
export type OutcomeCause =
  /** The check ran and its assertions or the target rejected the answer. */
  | 'assertion'
  /**
   * The target's code broke as a program does (a ReferenceError, calling what is not a function,
   * reading a property of undefined): a bug, not evidence of how it behaves, so it raises no red flag.
   */
  | 'exception'
  /** The check did not finish within its time limit. */
  | 'timeout'
  /** The run went over its memory limit while the check ran. */
  | 'memory'
  /** The process running the check died (process.exit, a native crash). */
  | 'crash'
  /** The target module could not be loaded, so no check could run. */
  | 'load'
  /** The run tampered with the test framework: none of its results count. */
  | 'tampered'
  /** The check was not run, or its result was not reported. */
  | 'not-run';

export interface CheckOutcome {
  readonly check: ResolvedCheck;
  readonly status: CheckStatus;
  /** One line: why it failed. Empty when it passed. */
  readonly reason: string;
  /** Set when the check used randomness: pass it back to replay the failure. */
  readonly seed?: number;
  readonly durationMs?: number;
  /** Set for every status but `passed` and `not-started`. */
  readonly cause?: OutcomeCause;
}

export type RunStatus = 'passed' | 'failing' | 'not-started' | 'error';

export type LoadKind = 'compile' | 'exports' | 'load';

export interface KataRun {
  readonly slug: string;
  readonly targetFile: string;
  readonly status: RunStatus;
  readonly outcomes: readonly CheckOutcome[];
  /** Problems with the run itself (timeouts, crashes, unexpected tests), one line each. */
  readonly problems: readonly string[];
  readonly durationMs: number;
  /** How many times the checks were started: more than one after a check blocked or crashed. */
  readonly attempts?: number;
  /** How the run was isolated. */
  readonly isolation?: 'namespaces' | 'process-group';
  /** Largest resident memory of the run's processes together, in bytes. */
  readonly peakMemoryBytes?: number;
  /** `verified`: the canary failed as it must; `tampered`: it did not, and nothing passed. */
  readonly integrity?: 'verified' | 'tampered' | 'unverified';
  /**
   * Set when the target module could not be judged at all: why, once. A compile error keeps the
   * compiler's code frame on the lines after the first.
   */
  readonly loadError?: string;
  /** What kind of load failure: it does not compile, lacks an export of the stub, or failed to load. */
  readonly loadKind?: LoadKind;
  /** Every module the test worker was served through vite, across attempts (capped). */
  readonly loadedFiles?: readonly string[];
}

const REASON_LIMIT = 240;

export function oneLine(text: string, limit = REASON_LIMIT): string {
  const line = text
    .replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')
    .split('\n')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join(' ');
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}

/** Names that add nothing to a message: plain errors, assertions, properties, the runner's own. */
const UNNAMED = ['Error', 'AssertionError', 'PropertyFailure', 'TargetLoadError', 'TargetShapeError'];

export function describeError(error: RawError): string {
  const timedOut = /^(Test|Hook) timed out in (\d+)ms/.exec(error.message);
  if (timedOut) return `did not finish within ${formatSeconds(Number(timedOut[2]))} (its time limit)`;
  const program = programError(error);
  if (program !== undefined) {
    // fast-check's message drops the name of what the property threw: put it back.
    const message = error.message.startsWith(`${program}: `) ? error.message : `${program}: ${error.message}`;
    return oneLine(`the code threw ${message}${error.at === undefined ? '' : ` (at ${error.at})`}`);
  }
  // The name adds nothing for assertion and property failures, and neither does chai's equality note.
  const named = error.name !== '' && !UNNAMED.includes(error.name);
  return oneLine((named ? `${error.name}: ${error.message}` : error.message).replace(/ \/\/ Object\.is equality/g, ''));
}

/** Errors only a bug in the program throws, whatever it was asked to do. */
const PROGRAM_ERRORS = ['ReferenceError', 'SyntaxError', 'EvalError'];
/** The engine's own TypeError and RangeError messages for a broken program (V8's wording). */
const ENGINE_MESSAGES =
  /is not a function|is not a constructor|Cannot read propert(y|ies) of|Cannot set propert(y|ies) of|is not iterable|Cannot destructure|Assignment to constant variable|Class constructor \S+ cannot be invoked without 'new'|Cannot access '[^']*' before initialization|Cannot convert undefined or null to object|Maximum call stack size exceeded/;

/**
 * The name of the error when it is one a broken program throws (a ReferenceError; a TypeError
 * such as "x is not a function"), for a property failure the name of what the property threw.
 */
export function programError(error: RawError): string | undefined {
  const name = error.name === 'PropertyFailure' ? error.causeName : error.name;
  if (name === undefined) return undefined;
  if (PROGRAM_ERRORS.includes(name)) return name;
  if ((name === 'TypeError' || name === 'RangeError') && ENGINE_MESSAGES.test(error.message)) return name;
  return undefined;
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Why an attempt was stopped by the runner. */
export type StopCause =
  | { readonly kind: 'check-timeout'; readonly check: string; readonly limitMs: number }
  | { readonly kind: 'load-timeout'; readonly limitMs: number }
  | { readonly kind: 'memory'; readonly limitMb: number; readonly usedMb: number; readonly check?: string }
  | { readonly kind: 'deadline'; readonly limitMs: number }
  | { readonly kind: 'startup'; readonly limitMs: number }
  | { readonly kind: 'wrap-up'; readonly limitMs: number }
  | { readonly kind: 'spawn-error'; readonly message: string };

/** What the progress file said when the attempt ended. */
export interface ProgressState {
  /** The target started loading and did not finish. */
  loading: boolean;
  /** The target finished loading (successfully or not). */
  loaded: boolean;
  /** The check whose body started and had not ended. */
  running: string | undefined;
  /** Checks in the order their bodies started. */
  started: string[];
}

/** Everything one attempt left behind, for judging. */
export interface AttemptRecord {
  /** The checks this attempt was asked to run, in order. */
  readonly checks: readonly ResolvedCheck[];
  /** The final report's tests, or the ones streamed before the attempt ended. */
  readonly tests: readonly RawTest[];
  readonly errors: readonly RawError[];
  /** The child sent its final report. */
  readonly completed: boolean;
  /** The canary's name, when one was registered. */
  readonly canary: string | undefined;
  readonly stop: StopCause | undefined;
  /** How the child process ended, e.g. "exit code 0" or "SIGKILL". */
  readonly exit: string | undefined;
  readonly progress: ProgressState;
  /** The last lines the run printed, on one line, for diagnosing a crash. */
  readonly outputTail: string;
  /** V8 reported that a process ran out of JavaScript heap. */
  readonly heapExhausted?: boolean;
  readonly peakRssBytes: number;
  readonly mode: 'namespaces' | 'process-group';
  /** Module ids vite served to the test worker, when the child reported them. */
  readonly loadedFiles?: readonly string[];
}

export interface AttemptJudgement {
  /** Checks this attempt decided. */
  readonly settled: Map<string, CheckOutcome>;
  readonly integrity: 'intact' | 'tampered' | 'unverified';
  readonly problems: string[];
  /** Set when no further attempt can help: the reason every undecided check gets. */
  readonly fatal?: string;
  readonly fatalStatus?: CheckStatus;
  readonly fatalCause?: OutcomeCause;
  /** Why the undecided checks did not finish in this attempt, for their reason if none follows. */
  readonly unfinished: string;
  readonly loadError?: string;
  readonly loadKind?: LoadKind;
}

const TAMPER_CODE = 'ERR_KATA_TAMPERED';
/** How vitest reports a worker process that died. */
const WORKER_DIED = /Worker forks emitted error|Worker exited unexpectedly|worker .*(exited|terminated)/i;
const LOAD_CODE = 'ERR_KATA_TARGET_LOAD';
const SHAPE_CODE = 'ERR_KATA_TARGET_SHAPE';

export function describeStop(stop: StopCause): string {
  switch (stop.kind) {
    case 'check-timeout':
      return `did not finish within ${formatSeconds(stop.limitMs)} and never yielded to the test's own time limit (a loop that blocks the event loop?); the process was stopped`;
    case 'load-timeout':
      return `loading the module did not finish within ${formatSeconds(stop.limitMs)} (a loop or a wait at import?); the process was stopped`;
    case 'memory':
      return `the run used ${stop.usedMb} MB of memory, over its ${stop.limitMb} MB limit; the process was stopped`;
    case 'deadline':
      return `the run reached its time limit of ${formatSeconds(stop.limitMs)}; the process was stopped`;
    case 'startup':
      return `the runner did not start within ${formatSeconds(stop.limitMs)}`;
    case 'wrap-up':
      return `the run did not end within ${formatSeconds(stop.limitMs)} after its last check; the process was stopped`;
    case 'spawn-error':
      return `could not start the runner: ${stop.message}`;
  }
}

/** A worker that died usually says why in a module or unhandled error. */
function crashDetail(record: AttemptRecord): string {
  const error = record.errors.find((candidate) => candidate.message.trim() !== '');
  if (error !== undefined && WORKER_DIED.test(error.message)) {
    return record.heapExhausted === true || /heap out of memory|Reached heap limit/i.test(record.outputTail)
      ? 'the test process ran out of JavaScript heap memory'
      : 'the test process exited in the middle of it (process.exit, process.reallyExit, process.abort, a signal or a native crash)';
  }
  if (error !== undefined) return describeError(error);
  const tail = record.outputTail;
  return `the process ended (${record.exit ?? 'unknown'}) without a report${tail ? `: ${tail}` : ''}`;
}

export function judgeAttempt(record: AttemptRecord): AttemptJudgement {
  const problems: string[] = [];
  const settled = new Map<string, CheckOutcome>();
  const expected = new Set(record.checks.map((check) => check.id));
  const byName = new Map<string, RawTest[]>();
  for (const test of record.tests) {
    const list = byName.get(test.name) ?? [];
    list.push(test);
    byName.set(test.name, list);
  }
  for (const name of byName.keys()) {
    if (!expected.has(name) && name !== record.canary) {
      problems.push(`the run reported an unexpected test "${oneLine(name, 60)}"`);
    }
  }

  const integrity = judgeCanary(record, byName);
  const tamperedBy = [...byName.values()]
    .flat()
    .map((test) => test.errors[0])
    .find((error) => error?.code === TAMPER_CODE || error?.name === 'TamperedAssertionsError');
  if (integrity.state === 'tampered' || tamperedBy !== undefined) {
    const detail =
      tamperedBy !== undefined
        ? oneLine(tamperedBy.message.replace(/^the test framework was tampered with: /, ''), 160)
        : integrity.detail;
    const fatal = `no result counts: the test framework was tampered with (${detail})`;
    problems.push(`the test framework was tampered with: ${detail}`);
    return {
      settled,
      integrity: 'tampered',
      problems,
      fatal,
      fatalStatus: 'missing',
      fatalCause: 'tampered',
      unfinished: fatal,
    };
  }

  for (const error of record.errors) {
    problems.push(WORKER_DIED.test(error.message) ? crashDetail(record) : describeError(error));
  }
  const stopReason = record.stop === undefined ? undefined : describeStop(record.stop);
  if (record.stop !== undefined && record.stop.kind !== 'wrap-up') problems.push(stopReason!);

  // The target never finished loading: no attempt will get further.
  if (record.progress.loading && !record.progress.loaded) {
    const hookError = [...record.errors, ...record.tests.flatMap((test) => test.errors)].find((error) =>
      /^Hook timed out in/.test(error.message),
    );
    const reason =
      record.stop?.kind === 'memory'
        ? `while loading the module, ${stopReason}`
        : record.stop !== undefined
          ? stopReason!
          : hookError !== undefined
            ? `loading the module ${describeError(hookError)} (a wait at import that never ends?)`
            : record.completed && !record.errors.some((error) => WORKER_DIED.test(error.message))
              ? 'loading the module never finished'
              : `the process died while loading the module: ${crashDetail(record)}`;
    return {
      settled,
      integrity: integrity.state,
      problems,
      fatal: reason,
      fatalStatus: 'failed',
      fatalCause: 'load',
      unfinished: reason,
      loadError: reason,
      loadKind: 'load',
    };
  }

  let loadError: string | undefined;
  let loadKind: LoadKind | undefined;
  const trusted = integrity.state === 'intact' || record.canary === undefined;
  for (const check of record.checks) {
    const reported = byName.get(check.id) ?? [];
    if (reported.length > 1) {
      settled.set(check.id, {
        check,
        status: 'missing',
        reason: `reported ${reported.length} times`,
        cause: 'not-run',
      });
      continue;
    }
    const test = reported[0];
    if (test === undefined || test.state === 'skipped' || test.state === 'pending') {
      if (record.progress.running === check.id && record.stop?.kind !== 'wrap-up') {
        settled.set(check.id, culprit(check, record, stopReason));
      } else if (test !== undefined && integrity.state === 'intact' && record.errors.length === 0) {
        // The run ended normally, canary and all, yet this check did not run: something skipped it.
        settled.set(check.id, { check, status: 'missing', reason: `reported as ${test.state}`, cause: 'not-run' });
      }
      continue;
    }
    const extras = {
      ...(test.seed === undefined ? {} : { seed: test.seed }),
      ...(test.durationMs === undefined ? {} : { durationMs: test.durationMs }),
    };
    if (test.state === 'passed') {
      if (trusted) settled.set(check.id, { check, status: 'passed', reason: '', ...extras });
      continue;
    }
    const first = test.errors[0];
    if (first === undefined) {
      settled.set(check.id, {
        check,
        status: 'failed',
        reason: 'failed without an error',
        cause: 'assertion',
        ...extras,
      });
      continue;
    }
    if (isNotImplemented(first) || isNotImplemented(causeOf(first))) {
      settled.set(check.id, { check, status: 'not-started', reason: 'not implemented yet', ...extras });
      continue;
    }
    const shape = first.code === SHAPE_CODE || first.name === 'TargetShapeError';
    if (shape || first.code === LOAD_CODE || first.name === 'TargetLoadError') {
      loadError = describeError(first);
      loadKind = shape ? 'exports' : 'load';
      settled.set(check.id, { check, status: 'failed', reason: loadError, cause: 'load', ...extras });
      continue;
    }
    const timedOut = /^(Test|Hook) timed out in/.test(first.message);
    settled.set(check.id, {
      check,
      status: 'failed',
      reason: describeError(first),
      cause: timedOut ? 'timeout' : programError(first) !== undefined ? 'exception' : 'assertion',
      ...extras,
    });
  }

  if (loadError !== undefined) {
    return {
      settled,
      integrity: integrity.state,
      problems,
      fatal: loadError,
      fatalStatus: 'failed',
      fatalCause: 'load',
      unfinished: loadError,
      loadError,
      ...(loadKind === undefined ? {} : { loadKind }),
    };
  }
  const unfinished =
    stopReason ??
    (record.completed
      ? record.errors.length > 0
        ? crashDetail(record)
        : 'the run ended without reporting it'
      : crashDetail(record));
  return { settled, integrity: integrity.state, problems, unfinished };
}

/** The check that was running when the attempt was stopped or its process died. */
function culprit(check: ResolvedCheck, record: AttemptRecord, stopReason: string | undefined): CheckOutcome {
  const stop = record.stop;
  if (stop?.kind === 'check-timeout' || stop?.kind === 'deadline') {
    return { check, status: 'failed', reason: oneLine(stopReason!), cause: 'timeout' };
  }
  if (stop?.kind === 'memory') return { check, status: 'failed', reason: oneLine(stopReason!), cause: 'memory' };
  if (stop !== undefined) return { check, status: 'missing', reason: oneLine(stopReason!), cause: 'not-run' };
  return {
    check,
    status: 'failed',
    reason: oneLine(`the process running this check died: ${crashDetail(record)}`),
    cause: 'crash',
  };
}

function judgeCanary(
  record: AttemptRecord,
  byName: ReadonlyMap<string, readonly RawTest[]>,
): { state: 'intact' | 'tampered' | 'unverified'; detail: string } {
  if (record.canary === undefined) return { state: 'unverified', detail: 'no canary' };
  const reports = byName.get(record.canary) ?? [];
  if (reports.length === 0) {
    // A run that reported its checks but lost the canary hid it; a run that was stopped never reached it.
    const reportedChecks = record.checks.some((check) => byName.has(check.id));
    return record.completed && reportedChecks && record.stop === undefined && record.errors.length === 0
      ? { state: 'tampered', detail: 'the canary, a test that must fail, was not reported' }
      : { state: 'unverified', detail: 'the run ended before the canary' };
  }
  if (reports.length > 1) return { state: 'tampered', detail: 'the canary was reported more than once' };
  const canary = reports[0]!;
  if (canary.state === 'passed') return { state: 'tampered', detail: 'the canary, a test that must fail, passed' };
  if (canary.state !== 'failed') {
    // A worker that died leaves every test it had not finished pending, the canary included, and a
    // failed beforeAll (the module never loaded) skips them all: no verdict either way. Passes from
    // such an attempt do not count, so there is nothing to gain from hiding the canary this way.
    return { state: 'unverified', detail: `the canary was ${canary.state}` };
  }
  const message = canary.errors[0]?.message ?? '';
  if (message !== canaryIntactMessage(record.canary)) {
    return { state: 'tampered', detail: `the canary failed the wrong way: ${oneLine(message, 160)}` };
  }
  return { state: 'intact', detail: '' };
}

/**
 * Maps a single report onto the declared checks, without canary or progress: the simple form of
 * judgeAttempt, kept for callers that hold one report.
 */
export function mapOutcomes(
  checks: readonly ResolvedCheck[],
  report: ChildReport | undefined,
  runProblems: readonly string[],
): { outcomes: CheckOutcome[]; problems: string[] } {
  const judgement = judgeAttempt({
    checks,
    tests: report?.tests ?? [],
    errors: report?.errors ?? [],
    completed: report !== undefined,
    canary: undefined,
    stop: undefined,
    exit: undefined,
    progress: { loading: false, loaded: true, running: undefined, started: [] },
    outputTail: '',
    peakRssBytes: 0,
    mode: 'process-group',
  });
  const problems = [...runProblems, ...judgement.problems];
  if (report === undefined && problems.length === 0) problems.push('the run ended without a report');
  const fallback = judgement.fatal ?? problems[0] ?? 'not reported';
  const outcomes = checks.map(
    (check): CheckOutcome =>
      judgement.settled.get(check.id) ?? {
        check,
        status: 'missing',
        reason: oneLine(`not reported: ${fallback}`),
        cause: 'not-run',
      },
  );
  return { outcomes, problems };
}

/** fast-check wraps what a property threw; its message still names the original error. */
function causeOf(error: RawError): unknown {
  return /NotImplementedError: \S+ is not implemented yet/.test(error.message)
    ? { name: 'NotImplementedError' }
    : undefined;
}

export function runStatus(outcomes: readonly CheckOutcome[], problems: readonly string[]): RunStatus {
  if (outcomes.every((outcome) => outcome.status === 'passed') && problems.length === 0) return 'passed';
  if (outcomes.length > 0 && outcomes.every((outcome) => outcome.status === 'not-started')) return 'not-started';
  if (outcomes.every((outcome) => outcome.status === 'missing' || outcome.cause === 'load')) return 'error';
  return 'failing';
}
