/**
 * `kata grade --db postgres` and the candidate's own tests. A kata whose manifest lists PostgreSQL
 * has their tests run there too (KATA_DB in every run, the server let through), against
 * PostgreSQL's gallery: postgres/index.ts as the reference and postgres-wrong/, never wrong/ (its
 * files are written in SQLite's SQL). A kata that lists SQLite only keeps SQLite and wrong/, and the
 * notes say which. On the fixture kata `clamp`, which needs no database: here the PostgreSQL-only
 * wrong file misbehaves only where KATA_DB says postgres, and a test that opens a database proves the
 * server reached the candidate's tests.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describePostgres } from '../kit/db/postgres/testing.ts';
import { grade, OWN_TESTS_ON_SQLITE, type GradeOptions, type GradeResult } from './grade.ts';
import { buildGraderTree, writeSuiteCandidate } from './hostile/fixture.ts';
import { OWN_TESTS_ON_POSTGRES } from './tests.ts';

const LIMITS: GradeOptions['limits'] = { timeoutCapMs: 1500, graceMs: 500, loadTimeoutMs: 10_000 };

const base = mkdtempSync(join(tmpdir(), 'kata-grade-engine-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A postgres-wrong/ file that is a wrong/ file's copy: if the SQLite gallery took it in, a count would show it. */
function addPostgresWrongCopy(graderRoot: string): void {
  const wrongDir = join(graderRoot, 'solutions', 'clamp', 'wrong');
  mkdirSync(join(graderRoot, 'solutions', 'clamp', 'postgres-wrong'), { recursive: true });
  cpSync(join(wrongDir, readdirSync(wrongDir)[0]!), join(graderRoot, 'solutions', 'clamp', 'postgres-wrong', 'x.ts'));
}

function gradeOn(graderRoot: string, dir: string, engine: GradeOptions['engine']): Promise<GradeResult> {
  return grade([{ name: 'candidate', kind: 'candidate', dir }], {
    graderRoot,
    katas: ['clamp'],
    isolation: 'process-group',
    limits: LIMITS,
    ...(engine === undefined ? {} : { engine }),
  });
}

describe('kata grade --db postgres, a kata that lists SQLite only, with a candidate who wrote tests', () => {
  const graderRoot = buildGraderTree(join(base, 'grader'), ['clamp']);
  const wrongFiles = readdirSync(join(graderRoot, 'solutions', 'clamp', 'wrong')).length;
  addPostgresWrongCopy(graderRoot);
  const alice = join(base, 'alice');
  writeSuiteCandidate(alice, ['thorough'], graderRoot);
  let onPostgres: GradeResult;
  let onSqlite: GradeResult;
  beforeAll(async () => {
    onPostgres = await gradeOn(graderRoot, alice, 'postgres');
    onSqlite = await gradeOn(graderRoot, alice, undefined);
  }, 300_000);

  test('runs their tests against the SQLite gallery, wrong/ only, as on SQLite', () => {
    const pg = onPostgres.reports[0]!.katas[0]!;
    const sqlite = onSqlite.reports[0]!.katas[0]!;
    expect(pg.database).toBe('postgres');
    expect(pg.tests?.status).toBe('passed');
    expect(pg.tests?.wrongFiles).toBe(wrongFiles);
    expect(pg.tests?.caught).toBe(sqlite.tests?.caught);
    expect(pg.tests?.gallery.map((entry) => entry.rule)).toEqual(sqlite.tests?.gallery.map((entry) => entry.rule));
  });

  test('says so in the kata notes on PostgreSQL only', () => {
    expect(onPostgres.reports[0]!.katas[0]!.notes).toContain(OWN_TESTS_ON_SQLITE);
    expect(onPostgres.reports[0]!.katas[0]!.notes).not.toContain(OWN_TESTS_ON_POSTGRES);
    expect(onSqlite.reports[0]!.katas[0]!.notes).not.toContain(OWN_TESTS_ON_SQLITE);
  });
});

describePostgres('kata grade --db postgres, a kata that lists PostgreSQL, with a candidate who wrote tests', () => {
  const graderRoot = buildGraderTree(join(base, 'grader-pg'), ['clamp']);
  const solutions = join(graderRoot, 'solutions', 'clamp');
  const manifestFile = join(graderRoot, 'katas', 'clamp', 'kata.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(manifestFile, JSON.stringify({ ...manifest, databases: ['sqlite', 'postgres'] }, null, 2));
  mkdirSync(join(solutions, 'postgres'));
  cpSync(join(solutions, 'index.ts'), join(solutions, 'postgres', 'index.ts'));
  mkdirSync(join(solutions, 'postgres-wrong'));
  // Correct on SQLite, wrong on PostgreSQL: only a suite that runs there can catch it.
  writeFileSync(
    join(solutions, 'postgres-wrong', 'no-upper-bound-on-postgres.ts'),
    [
      '/**',
      ' * Bug: on PostgreSQL, never compares with max.',
      ' * Violates: above-is-max',
      ' * Rejected by: above',
      ' */',
      "import { clamp as correct } from '../index.ts';",
      'export function clamp(value: number, min: number, max: number): number {',
      "  if (process.env['KATA_DB'] === 'postgres') return correct(value, min, Number.POSITIVE_INFINITY);",
      '  return correct(value, min, max);',
      '}',
      '',
    ].join('\n'),
  );
  const bob = join(base, 'bob');
  writeSuiteCandidate(bob, ['thorough'], graderRoot);
  // Their test of the engine: a database of the kit's, on the engine the run chose.
  writeFileSync(
    join(bob, 'katas', 'clamp', 'engine.test.ts'),
    [
      "import { expect, test } from 'vitest';",
      "import { createTestDatabase } from '../../harness/kit/db/index.ts';",
      "import { runningPostgresServer } from '../../harness/kit/db/postgres/server.ts';",
      "import { clamp } from './index.ts';",
      "test('clamps on a PostgreSQL server', async () => {",
      // The run started it before this test: its start-up is not this test's time.
      '  expect(runningPostgresServer()).toBeDefined();',
      '  const testDb = createTestDatabase();',
      '  try {',
      "    expect(testDb.dialect).toBe('postgres');",
      "    expect(await testDb.db.get('SELECT 11 AS v')).toEqual({ v: 11 });",
      '    expect(clamp(11, 0, 10)).toBe(10);',
      '  } finally {',
      '    await testDb.close();',
      '  }',
      '});',
      '',
    ].join('\n'),
  );
  let onPostgres: GradeResult;
  beforeAll(async () => {
    onPostgres = await gradeOn(graderRoot, bob, 'postgres');
  }, 300_000);

  test('runs their tests on PostgreSQL against postgres/index.ts and postgres-wrong/ only, and scores the catch', () => {
    const kata = onPostgres.reports[0]!.katas[0]!;
    expect(kata.database).toBe('postgres');
    expect(kata.tests?.status, kata.tests?.reason ?? '').toBe('passed');
    expect(kata.tests?.own.status, kata.tests?.own.reason ?? '').toBe('passed');
    expect(kata.tests?.passedOnReference).toBe(kata.tests?.tests);
    expect(kata.tests?.wrongFiles).toBe(1);
    expect(kata.tests?.caught).toBe(1);
    expect(kata.tests?.share).toBe(1);
    expect(kata.tests?.gallery.map((entry) => entry.rule)).toEqual(['above-is-max']);
  });

  test('says so in the kata notes', () => {
    const notes = onPostgres.reports[0]!.katas[0]!.notes;
    expect(notes).toContain(OWN_TESTS_ON_POSTGRES);
    expect(notes).not.toContain(OWN_TESTS_ON_SQLITE);
  });
});
