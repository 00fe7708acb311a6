/**
 * The one test file a mutation run loads: the kata's spec registered against its reference only.
 * The gallery's other targets (variants, wrong files that subclass the reference) would "kill"
 * mutants the spec itself never saw, so they stay out.
 */
import { findKata, loadSpec } from '../../catalog/catalog.ts';
import { registerSpec } from '../../runner/register.ts';
import { MUTATION_SLUG_ENV } from './config.ts';

const slug = process.env[MUTATION_SLUG_ENV];
if (slug === undefined || slug === '')
  throw new Error(`${MUTATION_SLUG_ENV} is not set: run npm run mutation -- <slug>`);
const kata = findKata(slug);
registerSpec(await loadSpec(kata), {
  label: `${slug}: reference`,
  targetFile: kata.referenceFile,
  expectation: { kind: 'report' },
});
