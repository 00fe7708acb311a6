/**
 * The runner's child process: one vitest run of one kata against one target. It reports back over
 * IPC only, so nothing the target prints on stdout can be mistaken for a result. Tests run in
 * vitest's forked workers, which have no access to this process's IPC channel.
 */
import { join } from 'node:path';
import type { TestModule } from 'vitest/node';
import { startVitest } from 'vitest/node';
import { SEED_ENV } from '../kit/seed.ts';
import { JOB_ENV, type ChildJob, type ChildReport, type RawError, type RawTest } from './protocol.ts';

const job = JSON.parse(process.env[JOB_ENV] ?? 'null') as ChildJob | null;
if (job === null || typeof process.send !== 'function') {
  console.error(`this process is started by the kata runner with an IPC channel and ${JOB_ENV}`);
  process.exit(2);
}
if (job.seed !== undefined) process.env[SEED_ENV] = String(job.seed);

let report: ChildReport | undefined;

function toRawError(error: { name?: unknown; message?: unknown; code?: unknown }): RawError {
  return {
    name: typeof error.name === 'string' ? error.name : 'Error',
    message: typeof error.message === 'string' ? error.message : String(error.message),
    ...(typeof error.code === 'string' ? { code: error.code } : {}),
  };
}

const reporter = {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<{ name?: unknown; message?: unknown }>) {
    const tests: RawTest[] = [];
    const errors: RawError[] = unhandled.map(toRawError);
    for (const module of modules) {
      errors.push(...module.errors().map(toRawError));
      for (const testCase of module.children.allTests()) {
        const result = testCase.result();
        const seed = testCase.meta().kata?.seed;
        const duration = testCase.diagnostic()?.duration;
        tests.push({
          name: testCase.name,
          state: result.state,
          errors: (result.errors ?? []).map(toRawError),
          ...(seed === undefined ? {} : { seed }),
          ...(duration === undefined ? {} : { durationMs: duration }),
        });
      }
    }
    report = { type: 'kata-run-report', tests, errors };
  },
};

const vitest = await startVitest(
  'test',
  [],
  {
    root: job.root,
    config: false,
    watch: false,
    include: [join('harness', 'runner', 'target.entry.ts')],
    reporters: [reporter],
    pool: 'forks',
    passWithNoTests: true,
  },
  { server: { watch: null } },
);
await vitest.close();

process.send(
  report ?? {
    type: 'kata-run-report',
    tests: [],
    errors: [{ name: 'Error', message: 'vitest ended without a report' }],
  },
  () => process.exit(0),
);
