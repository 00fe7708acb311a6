/**
 * The test file of a spare runner (`kata watch`, see warm.ts): target.entry.ts, except that the
 * job comes from the spare's job file, which the parent writes at the save. Everything before it
 * (vitest's worker, the kit, the catalog, the spec) loads while the candidate is still editing;
 * the candidate's module loads only after it, in this process, for the first and only time.
 */
import { findKata, loadSpec } from '../catalog/catalog.ts';
import { RUNS_FACTOR_ENV, SEED_ENV, SEED_SALT_ENV } from '../kit/seed.ts';
import { JOB_ENV, type ChildJob } from './protocol.ts';
import { registerSpec } from './register.ts';
import { SPARE_ENV, waitForSpareJob } from './warm-protocol.ts';

const spare = JSON.parse(process.env[JOB_ENV] ?? 'null') as ChildJob | null;
const jobFile = process.env[SPARE_ENV];
if (spare === null || jobFile === undefined)
  throw new Error(`${JOB_ENV} or ${SPARE_ENV} is not set: this file is run by the kata runner's spare only`);

const kata = findKata(spare.slug, spare.root);
const spec = await loadSpec(kata);

const job = await waitForSpareJob(jobFile);
for (const key of ['root', 'slug', 'targetFile'] as const) {
  if (job[key] !== spare[key])
    throw new Error(
      `the spare runner was started for ${key} ${JSON.stringify(spare[key])}, its job names ${JSON.stringify(job[key])}`,
    );
}
// What child.ts sets for a cold run's workers before they start.
if (job.seed !== undefined) process.env[SEED_ENV] = String(job.seed);
if (job.seedSalt !== undefined) process.env[SEED_SALT_ENV] = job.seedSalt;
if (job.runsFactor !== undefined) process.env[RUNS_FACTOR_ENV] = String(job.runsFactor);

registerSpec(spec, {
  label: job.slug,
  targetFile: job.targetFile,
  ...(job.shownAs === undefined ? {} : { shownAs: job.shownAs }),
  ...(job.exports === undefined ? {} : { exports: job.exports }),
  expectation: job.only === undefined ? { kind: 'report' } : { kind: 'report', only: job.only },
  ...(job.progressFile === undefined ? {} : { progressFile: job.progressFile }),
  ...(job.canary === undefined ? {} : { canary: job.canary }),
  ...(job.timeoutCapMs === undefined ? {} : { timeoutCapMs: job.timeoutCapMs }),
});
