/**
 * `npm run flake -- <slug>[,<slug>...] [--runs 30] [--factor 3] [--db postgres]`: the "never flaky"
 * proof. Runs a kata's gallery (with `--db postgres`, its PostgreSQL gallery: gallery.postgres.test.ts) (reference and variants pass every check; the stub is not started; every wrong
 * file fails each check its header names) again and again, each run with a new seed salt, so every
 * randomised check meets new seeds; `--factor` runs properties with grading's number of cases.
 * Prints every test that went against its expectation in any run, with the salt that replays it:
 *
 *   KATA_SEED_SALT=<salt> KATA_RUNS_FACTOR=<factor> npx vitest run solutions/<slug>/<gallery file>
 *
 * Exits 1 if any run did. Not part of `npm test`: 30 runs of every kata take minutes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findKata, harnessRoot } from '../catalog/catalog.ts';
import { supportedDatabases } from '../catalog/manifest.ts';
import { GRADING_RUNS_FACTOR, parseRunsFactor, RUNS_FACTOR_ENV, SEED_SALT_ENV } from '../kit/seed.ts';

interface VitestJson {
  readonly testResults: readonly {
    readonly assertionResults: readonly { readonly fullName: string; readonly status: string }[];
    readonly message?: string;
  }[];
}

interface Options {
  readonly slugs: readonly string[];
  readonly runs: number;
  readonly factor: number;
  readonly galleryFile: string;
}

const GALLERY_FILES: Readonly<Record<string, string>> = {
  sqlite: 'gallery.test.ts',
  postgres: 'gallery.postgres.test.ts',
};

function parse(args: readonly string[]): Options {
  const value = (flag: string): string | undefined => {
    const index = args.indexOf(flag);
    return index === -1 ? undefined : args[index + 1];
  };
  const slugs = (args.find((arg, index) => !arg.startsWith('-') && !args[index - 1]?.startsWith('--')) ?? '')
    .split(',')
    .filter((slug) => slug !== '');
  if (slugs.length === 0)
    throw new Error('usage: npm run flake -- <slug>[,<slug>...] [--runs 30] [--factor 3] [--db sqlite|postgres]');
  const engine = value('--db') ?? 'sqlite';
  const galleryFile = GALLERY_FILES[engine];
  if (galleryFile === undefined) throw new RangeError(`--db must be sqlite or postgres, received ${engine}`);
  for (const slug of slugs) {
    const databases: readonly string[] = supportedDatabases(findKata(slug).manifest);
    if (!databases.includes(engine))
      throw new RangeError(`--db: ${slug} does not run on ${engine} (it runs on ${databases.join(', ')})`);
  }
  const runs = Number(value('--runs') ?? 30);
  if (!Number.isInteger(runs) || runs < 1)
    throw new RangeError(`--runs must be a positive integer, received ${value('--runs')}`);
  const factor = parseRunsFactor(value('--factor') ?? String(GRADING_RUNS_FACTOR), '--factor');
  return { slugs, runs, factor, galleryFile };
}

function runGallery(
  slug: string,
  galleryFile: string,
  salt: string,
  factor: number,
): { failures: string[]; ms: number } {
  const dir = mkdtempSync(join(tmpdir(), 'kata-flake-'));
  const output = join(dir, 'report.json');
  const started = performance.now();
  try {
    const result = spawnSync(
      process.execPath,
      [
        join(harnessRoot, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        `solutions/${slug}/${galleryFile}`,
        '--reporter=json',
        `--outputFile=${output}`,
      ],
      {
        cwd: harnessRoot,
        env: { ...process.env, [SEED_SALT_ENV]: salt, [RUNS_FACTOR_ENV]: String(factor) },
        encoding: 'utf8',
      },
    );
    let report: VitestJson;
    try {
      report = JSON.parse(readFileSync(output, 'utf8')) as VitestJson;
    } catch {
      return { failures: [`the run wrote no report (exit ${result.status}): ${result.stderr.slice(-300)}`], ms: 0 };
    }
    const failures = report.testResults.flatMap((file) => [
      ...file.assertionResults.filter((test) => test.status === 'failed').map((test) => test.fullName),
      ...(file.assertionResults.length === 0 && file.message ? [`file failed: ${file.message.split('\n')[0]}`] : []),
    ]);
    return { failures, ms: performance.now() - started };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): number {
  const options = parse(process.argv.slice(2));
  let bad = 0;
  for (const slug of options.slugs) {
    const failed = new Map<string, string[]>();
    let slowest = 0;
    for (let run = 1; run <= options.runs; run++) {
      const salt = `flake-${run}`;
      const { failures, ms } = runGallery(slug, options.galleryFile, salt, options.factor);
      slowest = Math.max(slowest, ms);
      for (const name of failures) failed.set(name, [...(failed.get(name) ?? []), salt]);
      process.stdout.write(failures.length === 0 ? '.' : 'F');
    }
    process.stdout.write('\n');
    const verdict = failed.size === 0 ? 'no flake' : `${failed.size} test(s) went against their expectation`;
    console.log(
      `${slug} (${options.galleryFile}): ${options.runs} runs, runs factor ${options.factor}, slowest ${(slowest / 1000).toFixed(1)} s: ${verdict}`,
    );
    for (const [name, salts] of failed) {
      bad++;
      console.log(`  ${name}: ${salts.length} of ${options.runs} runs (salts ${salts.slice(0, 5).join(', ')})`);
    }
  }
  return bad === 0 ? 0 : 1;
}

process.exitCode = main();
