/** `kata grade` end to end on this repository's anagram kata, and its usage errors. */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { harnessRoot, listKatas } from '../catalog/catalog.ts';
import { UsageError, type CommandContext } from '../commands/command.ts';
import { gradeCommand } from '../commands/grade.ts';
import { createPalette } from '../commands/palette.ts';
import type { BatchReport, GradeReport } from './report.ts';
import { validate, type Schema } from './schema-check.ts';

const base = mkdtempSync(join(tmpdir(), 'kata-grade-command-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const schema = JSON.parse(readFileSync(join(harnessRoot, 'harness/grader/report.schema.json'), 'utf8')) as Schema;

function context(): CommandContext & { output: string[]; errors: string[] } {
  const output: string[] = [];
  const errors: string[] = [];
  return {
    root: harnessRoot,
    out: (text) => output.push(text),
    err: (text) => errors.push(text),
    palette: createPalette(false),
    interactive: false,
    prompt: async () => '',
    invocation: 'npx kata',
    output,
    errors,
  };
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

describe('kata grade', () => {
  test('--solutions gives the anagram reference full marks on every automated item it checks', async () => {
    const json = join(base, 'solutions.json');
    const markdown = join(base, 'solutions.md');
    const ctx = context();
    expect(
      await gradeCommand.run(['--solutions', '--kata', 'anagram', '--json', json, '--markdown', markdown], ctx),
    ).toBe(0);
    const report = readJson<GradeReport>(json);
    expect(validate(schema, report)).toEqual([]);
    expect(report.katas.map((kata) => [kata.slug, kata.status])).toEqual([['anagram', 'passed']]);
    expect(report.total.score).toBe(report.total.max);
    const scored = report.items.filter((item) => item.status === 'scored');
    expect(scored.map((item) => item.id).sort()).toEqual(['api-design', 'code-error-handling']);
    expect(scored.every((item) => item.score === item.max)).toBe(true);
    expect(report.redFlags).toEqual([]);
    expect(ctx.output.join('\n')).toContain(`Automated checks  ${report.total.max} of ${report.total.max} points`);
    expect(readFileSync(markdown, 'utf8')).toContain('# Scorecard: solutions');
  }, 60_000);

  test('grading the untouched stubs gives 0, every kata not attempted', async () => {
    const candidate = join(base, 'untouched');
    for (const kata of listKatas()) {
      mkdirSync(join(candidate, 'katas', kata.slug), { recursive: true });
      cpSync(kata.stubFile, join(candidate, 'katas', kata.slug, 'index.ts'));
    }
    const json = join(base, 'untouched.json');
    expect(await gradeCommand.run(['--candidate', candidate, '--json', json], context())).toBe(0);
    const report = readJson<GradeReport>(json);
    expect(report.total.score).toBe(0);
    expect(report.katas.every((kata) => kata.status === 'not-attempted')).toBe(true);
    expect(report.checklist.assessedMax).toBe(0);
  });

  test('grades a folder of candidates as a batch, ranked, with a CSV', async () => {
    const folder = join(base, 'batch');
    mkdirSync(join(folder, 'ada', 'katas', 'anagram'), { recursive: true });
    cpSync(join(harnessRoot, 'solutions/anagram/index.ts'), join(folder, 'ada', 'katas', 'anagram', 'index.ts'));
    mkdirSync(join(folder, 'bo', 'katas', 'anagram'), { recursive: true });
    mkdirSync(join(folder, 'not-a-candidate'), { recursive: true });
    const json = join(base, 'batch.json');
    const csv = join(base, 'batch.csv');
    const ctx = context();
    expect(
      await gradeCommand.run(['--candidate', folder, '--kata', 'anagram', '--json', json, '--csv', csv], ctx),
    ).toBe(0);
    const batch = readJson<BatchReport>(json);
    expect(validate(schema, batch)).toEqual([]);
    expect(batch.ranking.map((row) => [row.rank, row.name, row.score])).toEqual([
      [1, 'ada', batch.ranking[0]!.max],
      [2, 'bo', 0],
    ]);
    expect(batch.candidates[0]!.katas[0]!.similarity?.verdict).toBe('identical');
    const max = batch.ranking[0]!.max;
    expect(readFileSync(csv, 'utf8').split('\r\n')[1]).toMatch(new RegExp(`^1,ada,${max},${max},100,`));
    expect(batch.ranking[0]!.similarToReference).toEqual([{ kata: 'anagram', verdict: 'identical' }]);
    expect(ctx.output.join('\n')).toMatch(/1 {2}ada/);
  }, 60_000);

  test('--assessment-template prints a template, or writes one without overwriting', async () => {
    const ctx = context();
    expect(await gradeCommand.run(['--assessment-template'], ctx)).toBe(0);
    expect(JSON.parse(ctx.output.join('\n'))).toMatchObject({ schema: 'backend-katas/assessment' });
    const file = join(base, 'assessment.json');
    expect(await gradeCommand.run(['--assessment-template', '--assessment', file], context())).toBe(0);
    expect(existsSync(file)).toBe(true);
    await expect(gradeCommand.run(['--assessment-template', '--assessment', file], context())).rejects.toThrow(
      /already exists/,
    );
  });

  test.each([
    [['--solutions', '--candidate', '.'], /--solutions and --candidate cannot be combined/],
    [['--kata', 'nope'], /unknown kata "nope"; known katas: anagram/],
    [['--candidate', '/definitely/not/here'], /--candidate \/definitely\/not\/here: no such folder/],
    [['--concurrency', '0'], /--concurrency must be a positive integer, received "0"/],
    [['--isolation', 'docker'], /--isolation must be one of auto, namespaces, process-group/],
    [['somewhere'], /unexpected argument "somewhere" \(did you mean --candidate somewhere\?\)/],
    [['--jsn', 'x'], /^kata grade: unknown option --jsn \(see `npx kata grade --help`\)$/],
  ])('rejects %j with a one-line usage error', async (args, message) => {
    const run = gradeCommand.run(args, context());
    await expect(run).rejects.toThrow(UsageError);
    await expect(gradeCommand.run(args, context())).rejects.toThrow(message);
  });

  test('rejects an assessment that does not parse, naming the file', async () => {
    const file = join(base, 'broken-assessment.json');
    writeFileSync(file, JSON.stringify({ items: { testing: { score: 9 } } }));
    await expect(gradeCommand.run(['--assessment', file, '--kata', 'anagram'], context())).rejects.toThrow(
      /broken-assessment.json: "items.testing.score" must be null or a number from 0 to 5, received 9/,
    );
  });

  test('rejects an assessment written for another candidate, naming both', async () => {
    const candidate = join(base, 'bo');
    mkdirSync(join(candidate, 'katas', 'anagram'), { recursive: true });
    const file = join(base, 'ada-assessment.json');
    writeFileSync(file, JSON.stringify({ candidate: 'ada', items: {} }));
    await expect(gradeCommand.run(['--candidate', candidate, '--assessment', file], context())).rejects.toThrow(
      /ada-assessment\.json is the assessment of "ada", but the candidate graded is "bo"/,
    );
  });

  test('--assessment-template --candidate DIR names the candidate in the template', async () => {
    const ctx = context();
    expect(await gradeCommand.run(['--assessment-template', '--candidate', join(base, 'alice')], ctx)).toBe(0);
    expect(JSON.parse(ctx.output.join('\n'))).toMatchObject({ candidate: 'alice' });
  });

  test('rejects an assessment for a batch', async () => {
    const folder = join(base, 'batch-of-two');
    for (const name of ['a', 'b']) mkdirSync(join(folder, name, 'katas'), { recursive: true });
    await expect(gradeCommand.run(['--candidate', folder, '--assessment', 'x.json'], context())).rejects.toThrow(
      /an assessment belongs to one candidate/,
    );
  });
});
