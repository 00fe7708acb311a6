/**
 * The test file of a spare runner (`kata watch`, see warm.ts): target.entry.ts, except that the
 * job comes from the spare's job file, which the parent writes at the save. Everything before it
 * (vitest's worker, the kit, the catalog, the spec) loads while the candidate is still editing;
 * the candidate's module loads only after it, in this process, for the first and only time.
 */
import { findKata, loadSpec } from '../catalog/catalog.ts';
import { JOB_ENV, setJobSeeds, type ChildJob } from './protocol.ts';
import { registerJob } from './register.ts';
import { startDatabaseServer } from './start-server.ts';
import { SPARE_ENV, waitForSpareJob } from './warm-protocol.ts';

const spare = JSON.parse(process.env[JOB_ENV] ?? 'null') as ChildJob | null;
const jobFile = process.env[SPARE_ENV];
if (spare === null || jobFile === undefined)
  throw new Error(`${JOB_ENV} or ${SPARE_ENV} is not set: this file is run by the kata runner's spare only`);

// While the candidate edits: the server is up before the save.
startDatabaseServer();
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
setJobSeeds(job);

registerJob(spec, job);
