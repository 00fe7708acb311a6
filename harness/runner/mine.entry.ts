/**
 * The test file the runner's vitest loads in mine mode: it loads the candidate's own test files, each
 * inside a describe block named after the file, so their tests run against whatever the run's tree
 * holds as katas/<slug>/index.ts (their code, the reference or a wrong file; nothing here says which).
 * Around them it keeps what the spec runs keep: a progress line per test, so a test that blocks the
 * event loop is stopped and named; the assertions checked after every test; and the canary, a test
 * that must fail, registered last.
 */
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe } from 'vitest';
import { JOB_ENV, PROGRESS, type ChildJob } from './protocol.ts';
import { assertionsStillFail, progressWriter, registerCanary } from './register.ts';
import { startDatabaseServer } from './start-server.ts';

const job = JSON.parse(process.env[JOB_ENV] ?? 'null') as ChildJob | null;
if (job?.tests === undefined)
  throw new Error(`${JOB_ENV} names no test files: this file is run by the kata runner only`);

startDatabaseServer();
const progress = progressWriter(job.progressFile);
/** The test's name as the runner's reporter gives it: its describe blocks and its own name. */
const nameOf = (task: { name: string; fullTestName?: string }): string => task.fullTestName ?? task.name;

beforeEach((context) => {
  progress(`${PROGRESS.checkStart} ${nameOf(context.task)}`);
});
afterEach((context) => {
  try {
    assertionsStillFail();
  } finally {
    progress(`${PROGRESS.checkEnd} ${nameOf(context.task)}`);
  }
});

for (const file of job.tests) {
  describe(basename(file), async () => {
    progress(PROGRESS.loadStart);
    try {
      await import(pathToFileURL(file).href);
    } finally {
      progress(PROGRESS.loadEnd);
    }
  });
}

if (job.canary !== undefined) registerCanary(job.canary);
