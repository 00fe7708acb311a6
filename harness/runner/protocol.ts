/** What the runner's child process sends back to its parent over the IPC channel. */

export interface RawError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

export interface RawTest {
  /** The check id: tests are named after the checks they run. */
  readonly name: string;
  readonly state: 'passed' | 'failed' | 'skipped' | 'pending';
  readonly errors: readonly RawError[];
  readonly seed?: number;
  readonly durationMs?: number;
}

export interface ChildReport {
  readonly type: 'kata-run-report';
  readonly tests: readonly RawTest[];
  /** Errors outside any test: the entry failed to load, an unhandled rejection, a crashed worker. */
  readonly errors: readonly RawError[];
}

/** What the parent tells the child to run, passed in the KATA_JOB environment variable. */
export interface ChildJob {
  /** The tree that holds harness/, katas/ and the target. */
  readonly root: string;
  readonly slug: string;
  readonly targetFile: string;
  readonly only?: readonly string[];
  readonly seed?: number;
}

export const JOB_ENV = 'KATA_JOB';

export function isChildReport(value: unknown): value is ChildReport {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'kata-run-report' &&
    Array.isArray((value as { tests?: unknown }).tests) &&
    Array.isArray((value as { errors?: unknown }).errors)
  );
}
