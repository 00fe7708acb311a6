/**
 * The one test file a gallery:exact run loads: the audit of one kata's gallery, as one test, so
 * that every check runs inside a vitest worker like it does in the gallery itself.
 */
import { writeFileSync } from 'node:fs';
import { test } from 'vitest';
import { auditGallery } from './audit.ts';
import { EXACT_ONLY_ENV, EXACT_REPORT_ENV, EXACT_SLUG_ENV } from './protocol.ts';

const slug = process.env[EXACT_SLUG_ENV];
const reportFile = process.env[EXACT_REPORT_ENV];
if (slug === undefined || slug === '' || reportFile === undefined || reportFile === '') {
  throw new Error(`${EXACT_SLUG_ENV} and ${EXACT_REPORT_ENV} are not set: run npm run gallery:exact -- <slug>`);
}
const onlyList = process.env[EXACT_ONLY_ENV];
const only = onlyList === undefined ? undefined : new Set(onlyList.split(','));

test(`gallery:exact ${slug}`, async () => {
  writeFileSync(reportFile, JSON.stringify(await auditGallery(slug, only)));
});
