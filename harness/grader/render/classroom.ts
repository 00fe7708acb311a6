/**
 * The runner result GitHub Classroom's autograding reporter reads
 * (classroom-resources/autograding-grading-reporter, result version 1): an overall `status`
 * (pass, fail or error), `max_score`, and `tests[]`, one per check, each with `name`, `status`,
 * `score` (the points earned) and `message`. The reporter adds up `tests[].score` over
 * `max_score` for the grade and fails the job when the status is fail or error. It reads the
 * result from the environment variable `<RUNNER>_RESULTS` (the runner id upper-cased), base64.
 *
 * Beside the reporter's fields each test carries `max_score`, the check's points, so the file
 * alone says what every check was worth (the reporter ignores it). Nothing else: the value must
 * fit one environment variable, which Linux refuses over 128 KiB to the process it starts (the
 * reporter's), and the katas have about 200 checks.
 */
import type { CheckReport, GradeReport, KataReport } from '../report.ts';

export type ClassroomStatus = 'pass' | 'fail' | 'error';

export interface ClassroomTest {
  readonly name: string;
  readonly status: ClassroomStatus;
  /** Points earned: the check's points when it passed, 0 otherwise. */
  readonly score: number;
  /** The check's points. */
  readonly max_score: number;
  readonly message: string;
}

export interface ClassroomResult {
  readonly version: 1;
  readonly status: ClassroomStatus;
  readonly max_score: number;
  /** Only when the status is error: why nothing could be judged. */
  readonly message?: string;
  readonly tests: readonly ClassroomTest[];
}

/** Longest reason kept per test in the file. */
const MESSAGE_LIMIT = 500;

function clipped(text: string, limit: number): string {
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  if (line.length <= limit) return line;
  return limit <= 1 ? '' : `${line.slice(0, limit - 1)}…`;
}

function testStatus(check: CheckReport): ClassroomStatus {
  switch (check.status) {
    case 'passed':
      return 'pass';
    case 'error':
      return 'error';
    default:
      return 'fail';
  }
}

function testMessage(kata: KataReport, check: CheckReport, limit: number): string {
  const worth = `${check.earned} of ${check.points} point${check.points === 1 ? '' : 's'}`;
  switch (check.status) {
    case 'passed':
      return `passed (${worth})`;
    case 'not-attempted':
      return `not attempted: ${clipped(kata.reason ?? `there is no katas/${kata.slug}/index.ts`, limit)} (${worth})`;
    case 'not-started':
      return `not started: it still throws "not implemented" (${worth})`;
    default:
      return `${clipped(check.message || kata.reason || check.status, limit)} (${worth})`;
  }
}

/** One test per check of every graded kata, in the scorecard's order; reasons cut to `messageLimit` characters. */
export function classroomResult(report: GradeReport, messageLimit = MESSAGE_LIMIT): ClassroomResult {
  const tests: ClassroomTest[] = report.katas.flatMap((kata) =>
    kata.checks.map((check): ClassroomTest => ({
      name: `${kata.slug}: ${check.title} (${check.id})`,
      status: testStatus(check),
      score: check.earned,
      max_score: check.points,
      message: testMessage(kata, check, messageLimit),
    })),
  );
  const max = tests.reduce((sum, test) => sum + test.max_score, 0);
  const judged = report.katas.filter((kata) => kata.status !== 'error' && kata.status !== 'disqualified');
  let status: ClassroomStatus;
  if (tests.length > 0 && tests.every((test) => test.status === 'pass')) status = 'pass';
  else if (report.katas.length > 0 && judged.length === 0) status = 'error';
  else status = 'fail';
  const message =
    status === 'error'
      ? clipped(report.katas.map((kata) => `${kata.slug}: ${kata.reason ?? kata.status}`).join('; '), MESSAGE_LIMIT)
      : undefined;
  return { version: 1, status, max_score: max, ...(message === undefined ? {} : { message }), tests };
}

/** The reporter's runner id: what `runners:` names and `<ID>_RESULTS` is made of. */
export const CLASSROOM_RUNNER_ID = /^[A-Za-z0-9]+$/;

/** The longest `NAME=value` Linux passes to a process it starts (MAX_ARG_STRLEN, 128 KiB), less a margin. */
export const ENV_LINE_LIMIT = 127 * 1024;

/**
 * `<ID>_RESULTS=<base64>`: one line for `$GITHUB_ENV`, as the reporter reads it. While the line
 * would not fit one environment variable, the reasons are cut shorter (to 200 characters, then
 * 60, then none); the tests, their statuses and their points never change.
 */
export function classroomEnvLine(runner: string, report: GradeReport): string {
  if (!CLASSROOM_RUNNER_ID.test(runner)) {
    throw new RangeError(
      `the runner id must be letters and digits, as the reporter's runners input, received "${runner}"`,
    );
  }
  for (const limit of [MESSAGE_LIMIT, 200, 60, 0]) {
    const json = JSON.stringify(classroomResult(report, limit));
    const line = `${runner.toUpperCase()}_RESULTS=${Buffer.from(json, 'utf8').toString('base64')}`;
    if (line.length <= ENV_LINE_LIMIT) return line;
  }
  const checks = report.katas.reduce((sum, kata) => sum + kata.checks.length, 0);
  throw new RangeError(`the result of ${checks} checks does not fit one environment variable; use --classroom FILE`);
}
