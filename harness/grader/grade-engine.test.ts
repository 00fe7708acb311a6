/**
 * `kata grade --db postgres` and the candidate's own tests: the spec runs on PostgreSQL, their tests
 * on SQLite against SQLite's gallery (the reference and wrong/, never postgres-wrong/), and the
 * kata's notes say so. On the fixture kata `clamp`, which needs no database: the engine reaches
 * the spec's run as KATA_DB, which clamp ignores.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { grade, OWN_TESTS_ON_SQLITE, type GradeOptions, type GradeResult } from './grade.ts';
import { buildGraderTree, writeSuiteCandidate } from './hostile/fixture.ts';

const LIMITS: GradeOptions['limits'] = { timeoutCapMs: 1500, graceMs: 500, loadTimeoutMs: 10_000 };

const base = mkdtempSync(join(tmpdir(), 'kata-grade-engine-'));
const graderRoot = buildGraderTree(join(base, 'grader'), ['clamp']);
afterAll(() => rmSync(base, { recursive: true, force: true }));
const wrongDir = join(graderRoot, 'solutions', 'clamp', 'wrong');
const wrongFiles = readdirSync(wrongDir).length;
// A PostgreSQL-only wrong file: correct on SQLite. Here a copy of a wrong/ file, so that if the
// suite's gallery took postgres-wrong/ in, the count below would show it.
mkdirSync(join(graderRoot, 'solutions', 'clamp', 'postgres-wrong'));
cpSync(join(wrongDir, readdirSync(wrongDir)[0]!), join(graderRoot, 'solutions', 'clamp', 'postgres-wrong', 'x.ts'));

const alice = join(base, 'alice');
writeSuiteCandidate(alice, ['thorough'], graderRoot);

async function gradeOn(engine: GradeOptions['engine']): Promise<GradeResult> {
  return grade([{ name: 'alice', kind: 'candidate', dir: alice }], {
    graderRoot,
    katas: ['clamp'],
    isolation: 'process-group',
    limits: LIMITS,
    ...(engine === undefined ? {} : { engine }),
  });
}

describe('kata grade --db postgres, with a candidate who wrote tests', () => {
  let onPostgres: GradeResult;
  let onSqlite: GradeResult;
  beforeAll(async () => {
    onPostgres = await gradeOn('postgres');
    onSqlite = await gradeOn(undefined);
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
    expect(onSqlite.reports[0]!.katas[0]!.notes).not.toContain(OWN_TESTS_ON_SQLITE);
  });
});
