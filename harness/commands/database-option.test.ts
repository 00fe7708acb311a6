/** `--db sqlite|postgres` for `kata test`, `kata watch` and `kata grade`, and the databases `kata list` shows. */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { findKata, harnessRoot, listKatas } from '../catalog/catalog.ts';
import { describePostgres } from '../kit/db/postgres/testing.ts';
import type { KataRun } from '../runner/outcomes.ts';
import { replayFor } from '../grader/render/terminal.ts';
import { validate, type Schema } from '../grader/schema-check.ts';
import { buildReport } from '../grader/score.ts';
import { fakeCheck, fakeKata, fakeRun, failed, graderInfo } from '../grader/testing/fakes.ts';
import { gradeCommand, katasForEngine } from './grade.ts';
import { listCommand } from './list.ts';
import { parseEngine, testCommand } from './test.ts';
import { capture } from './testing/capture.ts';
import { watchCommand, watchKata, type RunInfo } from './watch.ts';

const scratch = mkdtempSync(join(tmpdir(), 'kata-db-option-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const POSTGRES_KATAS = ['job-queue', 'payment-webhook', 'rbac', 'seat-reservation'];
const inCatalogueOrder = (slugs: readonly string[]): string[] =>
  listKatas(harnessRoot)
    .map((kata) => kata.slug)
    .filter((slug) => slugs.includes(slug));

describe('--db', () => {
  test('takes sqlite or postgres, and is absent by default', () => {
    expect(parseEngine('test', undefined)).toBeUndefined();
    expect(parseEngine('test', 'sqlite')).toBe('sqlite');
    expect(parseEngine('grade', 'postgres')).toBe('postgres');
  });

  test('names the flag and the value it refuses', async () => {
    expect(() => parseEngine('test', 'mysql')).toThrow(
      'kata test: --db must be one of sqlite, postgres, received "mysql"',
    );
    await expect(testCommand.run(['rbac', '--db', 'Postgres'], capture().context)).rejects.toThrow(
      'kata test: --db must be one of sqlite, postgres, received "Postgres"',
    );
    await expect(gradeCommand.run(['--db', 'pg'], capture().context)).rejects.toThrow(
      'kata grade: --db must be one of sqlite, postgres, received "pg"',
    );
  });

  test('kata test refuses an engine the kata does not list, naming the kata and its databases', async () => {
    await expect(testCommand.run(['anagram', '--db', 'postgres'], capture().context)).rejects.toThrow(
      'kata test: anagram does not run on --db postgres; its kata.json "databases" lists sqlite',
    );
  });

  test('kata test --mine --db refuses an engine the kata does not list, as kata test does', async () => {
    await expect(testCommand.run(['anagram', '--mine', '--db', 'postgres'], capture().context)).rejects.toThrow(
      'kata test: anagram does not run on --db postgres; its kata.json "databases" lists sqlite',
    );
  });

  test('kata grade --kata naming a kata that does not list the engine is an error, not a silent skip', async () => {
    await expect(gradeCommand.run(['--kata', 'rbac,anagram', '--db', 'postgres'], capture().context)).rejects.toThrow(
      `kata grade: --kata anagram does not run on --db postgres (its kata.json "databases" does not list it); katas that do: ${inCatalogueOrder(POSTGRES_KATAS).join(', ')}`,
    );
  });

  test('kata grade --db postgres refuses --isolation namespaces, which have no loopback for the server', async () => {
    await expect(
      gradeCommand.run(['--kata', 'rbac', '--db', 'postgres', '--isolation', 'namespaces'], capture().context),
    ).rejects.toThrow('kata grade: --db postgres: PostgreSQL cannot run in --isolation namespaces');
  });

  test('kata grade --db postgres grades the katas that list it and says which it skipped', () => {
    const { context, err } = capture();
    const catalogue = listKatas(harnessRoot);
    const others = catalogue.map((kata) => kata.slug).filter((slug) => !POSTGRES_KATAS.includes(slug));
    expect(others.length).toBeGreaterThan(0);
    expect(katasForEngine('postgres', catalogue, undefined, context)?.sort()).toEqual(POSTGRES_KATAS);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain('kata grade: --db postgres: grading ');
    expect(err[0]).toContain(`; skipped ${others.join(', ')} (their kata.json "databases" does not list postgres)`);
  });

  test('kata grade on SQLite grades every kata and says nothing of skipping', () => {
    const { context, err } = capture();
    const catalogue = listKatas(harnessRoot);
    expect(katasForEngine('sqlite', catalogue, undefined, context)).toBeUndefined();
    expect(katasForEngine('sqlite', catalogue, ['anagram'], context)).toEqual(['anagram']);
    expect(err).toEqual([]);
  });
});

describe('kata watch --db', () => {
  test('refuses a kata that does not list the engine, as kata test does, and a value it does not know', async () => {
    await expect(watchCommand.run(['anagram', '--db', 'postgres'], capture().context)).rejects.toThrow(
      'kata watch: anagram does not run on --db postgres; its kata.json "databases" lists sqlite',
    );
    await expect(watchCommand.run(['rbac', '--db', 'pg'], capture().context)).rejects.toThrow(
      'kata watch: --db must be one of sqlite, postgres, received "pg"',
    );
  });

  test('its help names the flag', () => {
    expect(watchCommand.usage).toContain('[--db sqlite|postgres]');
  });
});

describePostgres('kata watch --db postgres', () => {
  test('reruns the spec on PostgreSQL in a warm spare, and says so', async () => {
    // A tree of its own: the harness, rbac, and rbac's PostgreSQL reference as the candidate's file.
    const tree = join(scratch, 'watch-tree');
    for (const file of ['package.json', 'tsconfig.json']) cpSync(join(harnessRoot, file), join(tree, file));
    cpSync(join(harnessRoot, 'harness'), join(tree, 'harness'), {
      recursive: true,
      filter: (source) => !source.endsWith('.test.ts'),
    });
    symlinkSync(join(harnessRoot, 'node_modules'), join(tree, 'node_modules'), 'junction');
    for (const folder of ['katas/rbac', 'solutions/rbac']) {
      mkdirSync(join(tree, folder), { recursive: true });
      cpSync(join(harnessRoot, folder), join(tree, folder), { recursive: true });
    }
    const log = join(scratch, 'watch-engine.log');
    writeFileSync(log, '');
    const kata = findKata('rbac', tree);
    writeFileSync(
      kata.workFile,
      `import { appendFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(log)}, (process.env.KATA_DB ?? 'sqlite') + '\\n');
export * from '../../solutions/rbac/postgres/index.ts';
`,
    );
    const { context, out } = capture(tree);
    const controller = new AbortController();
    const runs: { run: KataRun; info: RunInfo }[] = [];
    await watchKata(kata, { engine: 'postgres', only: ['deny-by-default'] }, context, controller.signal, {
      onRun(run, info) {
        runs.push({ run, info });
        controller.abort();
      },
    });
    expect(runs.map(({ run }) => run.status)).toEqual(['passed']);
    expect(runs[0]!.info.warm).toBe(true);
    expect(readFileSync(log, 'utf8')).toBe('postgres\n');
    const text = out.join('\n');
    expect(text).toContain('Running rbac on PostgreSQL');
    expect(text).toContain('Watching katas/rbac/index.ts on PostgreSQL; save to rerun');
  }, 120_000);
});

describe('kata list', () => {
  test('shows the databases of every kata, within 80 columns', async () => {
    // A copy of the katas, untouched: list records progress in the tree it lists.
    cpSync(join(harnessRoot, 'katas'), join(scratch, 'katas'), { recursive: true });
    for (const kata of listKatas(scratch)) cpSync(kata.stubFile, kata.workFile);
    const { context, out } = capture(scratch);
    expect(await listCommand.run([], context)).toBe(0);
    const lines = out.join('\n').split('\n');
    expect(lines[0]).toMatch(/^ #\s+kata\s+level\s+status\s+databases$/);
    for (const slug of POSTGRES_KATAS) {
      expect(lines.find((line) => line.includes(` ${slug} `))).toMatch(/\ssqlite, postgres$/);
    }
    expect(lines.find((line) => line.includes(' anagram '))).toMatch(/\ssqlite$/);
    expect(lines.filter((line) => line.length > 80)).toEqual([]);
  });
});

describe('a grade report graded on PostgreSQL', () => {
  const schema = JSON.parse(readFileSync(join(harnessRoot, 'harness/grader/report.schema.json'), 'utf8')) as Schema;
  const check = fakeCheck('race', 'race-conditions', 2);
  const report = buildReport({
    candidate: { name: 'alice', path: '/candidates/alice', kind: 'candidate' },
    gradings: [
      {
        kata: fakeKata('rbac'),
        checks: [check],
        verdict: { kind: 'ran', run: fakeRun('rbac', [{ ...failed(check, 'lost a revoke'), seed: 7 }]) },
        similarity: null,
        notes: [],
        durationMs: 10,
      },
    ],
    grader: graderInfo,
    generatedAt: '2026-01-02T03:04:05.000Z',
  });
  const kata = { ...report.katas[0]!, database: 'postgres' as const };

  test('records the engine on the kata, as the schema describes it', () => {
    expect(validate(schema, { ...report, katas: [kata] })).toEqual([]);
    expect(validate(schema, { ...report, katas: [{ ...kata, database: 'mysql' }] }).join('\n')).toContain('mysql');
  });

  test('replays a failure there, with --db postgres', () => {
    expect(replayFor(report, kata, kata.checks[0]!, 'npx kata')).toBe(
      'npx kata test rbac --candidate /candidates/alice --db postgres --only race --seed=7 --thorough',
    );
    expect(replayFor(report, report.katas[0]!, report.katas[0]!.checks[0]!, 'npx kata')).toBe(
      'npx kata test rbac --candidate /candidates/alice --only race --seed=7 --thorough',
    );
  });
});
