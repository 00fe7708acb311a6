/**
 * The only test file the runner's vitest loads. It registers one kata's spec against the target
 * named by the job, so the spec itself stays unedited whichever implementation it judges.
 */
import { findKata, loadSpec } from '../catalog/catalog.ts';
import { JOB_ENV, type ChildJob } from './protocol.ts';
import { registerJob } from './register.ts';
import { startDatabaseServer } from './start-server.ts';

const job = JSON.parse(process.env[JOB_ENV] ?? 'null') as ChildJob | null;
if (job === null) throw new Error(`${JOB_ENV} is not set: this file is run by the kata runner only`);

startDatabaseServer();
const kata = findKata(job.slug, job.root);
const spec = await loadSpec(kata);
registerJob(spec, job);
