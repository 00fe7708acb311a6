/**
 * Maps what a run reported onto the checks the spec declares. The expected list comes from the
 * spec in the caller's own process, never from the run: a check the run did not report, reported
 * as skipped, or reported twice is an error, never a pass.
 */
import { isNotImplemented } from '../kit/errors.ts';
import type { ResolvedCheck } from '../kit/spec.ts';
import type { ChildReport, RawError, RawTest } from './protocol.ts';

export type CheckStatus = 'passed' | 'failed' | 'not-started' | 'missing';

export interface CheckOutcome {
  readonly check: ResolvedCheck;
  readonly status: CheckStatus;
  /** One line: why it failed. Empty when it passed. */
  readonly reason: string;
  /** Set when the check used randomness: pass it back to replay the failure. */
  readonly seed?: number;
  readonly durationMs?: number;
}

export type RunStatus = 'passed' | 'failing' | 'not-started' | 'error';

export interface KataRun {
  readonly slug: string;
  readonly targetFile: string;
  readonly status: RunStatus;
  readonly outcomes: readonly CheckOutcome[];
  /** Problems with the run itself (timeouts, crashes, unexpected tests), one line each. */
  readonly problems: readonly string[];
  readonly durationMs: number;
}

const REASON_LIMIT = 240;

export function oneLine(text: string, limit = REASON_LIMIT): string {
  const line = text
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join(' ');
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}

function describeError(error: RawError): string {
  return oneLine(
    error.name && error.name !== 'Error' && error.name !== 'AssertionError'
      ? `${error.name}: ${error.message}`
      : error.message,
  );
}

export function mapOutcomes(
  checks: readonly ResolvedCheck[],
  report: ChildReport | undefined,
  runProblems: readonly string[],
): { outcomes: CheckOutcome[]; problems: string[] } {
  const problems = [...runProblems];
  const byName = new Map<string, RawTest[]>();
  for (const test of report?.tests ?? []) {
    const list = byName.get(test.name) ?? [];
    list.push(test);
    byName.set(test.name, list);
  }
  for (const name of byName.keys()) {
    if (!checks.some((check) => check.id === name))
      problems.push(`the run reported an unexpected check "${oneLine(name, 60)}"`);
  }
  for (const error of report?.errors ?? []) problems.push(describeError(error));
  if (report === undefined && problems.length === 0) problems.push('the run ended without a report');

  const fallback = problems[0] ?? 'not reported';
  const outcomes = checks.map((check): CheckOutcome => {
    const reported = byName.get(check.id) ?? [];
    if (reported.length !== 1) {
      const reason = reported.length === 0 ? `not reported: ${fallback}` : `reported ${reported.length} times`;
      return { check, status: 'missing', reason: oneLine(reason) };
    }
    const test = reported[0]!;
    const extras = {
      ...(test.seed === undefined ? {} : { seed: test.seed }),
      ...(test.durationMs === undefined ? {} : { durationMs: test.durationMs }),
    };
    if (test.state === 'passed') return { check, status: 'passed', reason: '', ...extras };
    if (test.state !== 'failed') return { check, status: 'missing', reason: `reported as ${test.state}`, ...extras };
    const first = test.errors[0];
    if (first === undefined) return { check, status: 'failed', reason: 'failed without an error', ...extras };
    if (isNotImplemented(first) || isNotImplemented(causeOf(first))) {
      return { check, status: 'not-started', reason: 'not implemented yet', ...extras };
    }
    return { check, status: 'failed', reason: describeError(first), ...extras };
  });
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
  if (outcomes.every((outcome) => outcome.status === 'not-started')) return 'not-started';
  if (outcomes.every((outcome) => outcome.status === 'missing')) return 'error';
  return 'failing';
}
