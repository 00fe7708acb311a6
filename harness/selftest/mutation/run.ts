/**
 * `npm run mutation -- <slug>`: StrykerJS mutates the kata's reference and runs the kata's spec
 * against every mutant. A mutant the spec does not kill is a rule the spec does not prove (or an
 * equivalent mutant, to be listed in the kata's NOTES.md). The report goes under
 * reports/mutation/<slug>/ (git-ignored); the last line printed is `mutation score <slug>: NN.N%`.
 *
 * StrykerJS 9 is the last major that runs on Node 20. Worker-thread checks load a bundle of the
 * target built outside Stryker's instrumentation switch, so they always run the unmutated code and
 * can kill no mutant: the score measures the rest of the spec.
 */
import { Stryker } from '@stryker-mutator/core';
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findKata, harnessRoot } from '../../catalog/catalog.ts';
import { MUTATION_SLUG_ENV } from './config.ts';

type StrykerOptions = NonNullable<ConstructorParameters<typeof Stryker>[0]>;
// StrykerJS types its log levels as a const enum of these strings.
const WARNINGS_ONLY = 'warn' as StrykerOptions['logLevel'];

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

async function main(args: readonly string[]): Promise<number> {
  const slug = args.find((arg) => !arg.startsWith('-'));
  if (slug === undefined) {
    console.error('usage: npm run mutation -- <slug> [--concurrency N]');
    return 2;
  }
  const kata = findKata(slug);
  const concurrencyArg = args[args.indexOf('--concurrency') + 1];
  const concurrency = args.includes('--concurrency') ? Number(concurrencyArg) : 2;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    console.error(`--concurrency must be a positive integer, received ${String(concurrencyArg)}`);
    return 2;
  }
  const reportDir = join(harnessRoot, 'reports', 'mutation', slug);
  mkdirSync(reportDir, { recursive: true });
  process.env[MUTATION_SLUG_ENV] = slug;
  const options: StrykerOptions = {
    testRunner: 'vitest',
    plugins: ['@stryker-mutator/vitest-runner'],
    vitest: { configFile: 'harness/selftest/mutation/vitest.config.ts', related: false },
    mutate: [relative(harnessRoot, kata.referenceFile)],
    coverageAnalysis: 'perTest',
    concurrency,
    reporters: ['clear-text', 'html', 'json', 'progress'],
    htmlReporter: { fileName: relative(harnessRoot, join(reportDir, 'index.html')) },
    jsonReporter: { fileName: relative(harnessRoot, join(reportDir, 'mutation.json')) },
    tempDirName: join('reports', 'mutation', '.stryker-tmp'),
    cleanTempDir: true,
    ignorePatterns: ['reports', '.kata', 'coverage'],
    timeoutMS: 10_000,
    logLevel: WARNINGS_ONLY,
    // The spec's checks are the tests; a mutant that makes the reference hang is caught by the timeout.
    disableTypeChecks: true,
  };
  const results = await new Stryker(options).runMutationTest();
  const detected = results.filter((result) => DETECTED.has(result.status)).length;
  const undetected = results.filter((result) => UNDETECTED.has(result.status));
  const valid = detected + undetected.length;
  for (const mutant of undetected) {
    const where = `${relative(harnessRoot, mutant.fileName)}:${mutant.location.start.line}`;
    console.log(
      `  ${mutant.status.toLowerCase()}: ${where} ${mutant.mutatorName} -> ${JSON.stringify(mutant.replacement)}`,
    );
  }
  const score = valid === 0 ? 0 : (detected / valid) * 100;
  console.log(`report: ${relative(harnessRoot, join(reportDir, 'index.html'))}`);
  console.log(`mutation score ${slug}: ${score.toFixed(1)}%`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
