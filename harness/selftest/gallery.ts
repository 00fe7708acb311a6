/**
 * The project's proof that a kata's spec means something, run by `npm test` from
 * solutions/<slug>/gallery.test.ts: the reference and every variant pass every check, the stub is
 * "not started" on every check, every wrong/ file fails each check its header names, and every
 * check is named by at least one wrong/ file, so no check is unable to fail. A kata with a rule
 * ledger must also have it complete: every rule proved by a check and broken by a wrong/ file.
 */
import { readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findKata, harnessRoot, loadSpec } from '../catalog/catalog.ts';
import { buildLedger } from '../catalog/ledger.ts';
import { parseWrongHeader, type WrongHeader } from '../catalog/wrong-header.ts';
import { ENGINE_ENV } from '../kit/db/test-database.ts';
import { describePostgres } from '../kit/db/postgres/testing.ts';
import { runsFactor, RUNS_FACTOR_ENV, SEED_ENV } from '../kit/seed.ts';
import { collectChecks, type KataSpec } from '../kit/spec.ts';
import { registerSpec } from '../runner/register.ts';
import { shellWord } from '../runner/replay.ts';

export async function proveGallery(slug: string): Promise<void> {
  const kata = findKata(slug);
  const spec = await loadSpec(kata);
  const checks = collectChecks(spec);
  const wrong = readWrongFiles(kata.wrongFiles);
  const ledger = buildLedger(
    kata,
    checks,
    wrong.map((entry) => ({ name: basename(entry.file), header: entry.header })),
    readFileSync(kata.readmeFile, 'utf8'),
  );

  describe(`${slug}: gallery`, () => {
    test('every check is rejected by at least one wrong/ file', () => {
      const named = new Set(wrong.flatMap((entry) => entry.header.rejectedBy));
      const unproved = checks.filter((check) => !named.has(check.id)).map((check) => check.id);
      expect(unproved, 'checks no wrong/ file proves can fail').toEqual([]);
    });

    test.runIf(ledger.present)('the rule ledger is complete (kata rules ' + slug + ')', () => {
      expect(ledger.problems, 'rule ledger problems').toEqual([]);
    });

    test('every check maps to a checklist item the manifest lists', () => {
      const listed = new Set(kata.manifest.checklistItems);
      const unlisted = checks.filter((check) => !listed.has(check.item)).map((check) => `${check.id} -> ${check.item}`);
      expect(unlisted, 'add these items to kata.json "checklistItems"').toEqual([]);
    });
  });

  registerSpec(spec, {
    label: `${slug}: reference`,
    targetFile: kata.referenceFile,
    expectation: { kind: 'report' },
    replayCommand: replayIn(slug, 'gallery.test.ts'),
  });
  for (const variant of kata.variantFiles) {
    registerSpec(spec, {
      label: `${slug}: variant ${basename(variant, '.ts')}`,
      targetFile: variant,
      expectation: { kind: 'report' },
      replayCommand: replayIn(slug, 'gallery.test.ts'),
    });
  }
  registerSpec(spec, { label: `${slug}: stub`, targetFile: kata.stubFile, expectation: { kind: 'not-started' } });
  registerRejected(spec, `${slug}: wrong`, wrong);
  // A bug only PostgreSQL shows must be no bug on SQLite: otherwise the SQLite gallery already
  // covers it, and the file does not prove that the spec judges PostgreSQL.
  for (const file of kata.postgresWrongFiles) {
    registerSpec(spec, {
      label: `${slug}: postgres-wrong ${basename(file, '.ts')} (passes on SQLite)`,
      targetFile: file,
      expectation: { kind: 'report' },
      replayCommand: replayIn(slug, 'gallery.test.ts'),
    });
  }
}

/**
 * The same proof on PostgreSQL (solutions/<slug>/gallery.postgres.test.ts): every file of
 * solutions/<slug>/postgres/ passes every check there, and every file of postgres-wrong/ fails the
 * checks its header names and breaks a rule of the ledger. Skipped, saying why, where no server can
 * be started; failing instead in CI (see describePostgres).
 */
export async function proveGalleryOnPostgres(slug: string): Promise<void> {
  const kata = findKata(slug);
  const spec = await loadSpec(kata);
  const ruleIds = new Set((kata.manifest.rules ?? []).map((rule) => rule.id));
  const wrong = readWrongFiles(kata.postgresWrongFiles);

  describePostgres(`${slug}: gallery on PostgreSQL`, () => {
    onPostgres();
    test('has a PostgreSQL reference (solutions/' + slug + '/postgres/index.ts)', () => {
      expect(kata.postgresFiles.map((file) => relative(kata.solutionDir, file))).toContain('postgres/index.ts');
    });
    test('every postgres-wrong/ file breaks one rule of the ledger', () => {
      const problems = wrong
        .filter((entry) => entry.header.violates === undefined || !ruleIds.has(entry.header.violates))
        .map((entry) => `${entry.name}: Violates: ${entry.header.violates ?? '(missing)'} is not a rule of kata.json`);
      expect(problems).toEqual([]);
    });
    for (const file of kata.postgresFiles) {
      registerSpec(spec, {
        label: `${slug}: postgres ${basename(file, '.ts')}`,
        targetFile: file,
        expectation: { kind: 'report' },
        replayCommand: replayIn(slug, 'gallery.postgres.test.ts'),
      });
    }
    registerRejected(spec, `${slug}: postgres-wrong`, wrong);
  });
}

/**
 * How to run one failed check of a gallery again, as printed: its seed pinned, grading's number of
 * cases if the run had them, and only that test (its full name, as a pattern vitest matches).
 */
export function galleryReplay(
  slug: string,
  galleryFile: string,
  seed: number,
  testName: string,
  factor: number = runsFactor(),
): string {
  const env = `${SEED_ENV}=${seed}${factor === 1 ? '' : ` ${RUNS_FACTOR_ENV}=${factor}`}`;
  const pattern = `${testName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  return `${env} npx vitest run solutions/${slug}/${galleryFile} -t ${shellWord(pattern)}`;
}

function replayIn(slug: string, galleryFile: string): (seed: number, testName: string) => string {
  return (seed, testName) => galleryReplay(slug, galleryFile, seed, testName);
}

/** Every check of the describe block around it runs on PostgreSQL: the kit reads KATA_DB. */
function onPostgres(): void {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env[ENGINE_ENV];
    process.env[ENGINE_ENV] = 'postgres';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env[ENGINE_ENV];
    else process.env[ENGINE_ENV] = saved;
  });
}

interface WrongEntry {
  readonly file: string;
  readonly name: string;
  readonly header: WrongHeader;
}

function readWrongFiles(files: readonly string[]): WrongEntry[] {
  return files.map((file) => ({
    file,
    name: basename(file, '.ts'),
    header: parseWrongHeader(readFileSync(file, 'utf8'), relative(harnessRoot, file)),
  }));
}

/** Each wrong file must fail every check its header names. */
function registerRejected(spec: KataSpec<unknown>, labelPrefix: string, wrong: readonly WrongEntry[]): void {
  for (const entry of wrong) {
    registerSpec(spec, {
      label: `${labelPrefix} ${entry.name}`,
      targetFile: entry.file,
      expectation: { kind: 'reject', checks: entry.header.rejectedBy },
    });
  }
}
