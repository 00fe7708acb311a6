/**
 * Grading at scale, end to end through the commands, on a grader tree of the fixture katas built
 * in a temporary folder (never this checkout): a folder of candidates graded in one run and in
 * two shards merged gives the same report, ranking, CSV, Markdown and JUnit; one candidate's
 * Classroom result, JUnit file and step summary parse and carry every check's points.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CommandContext } from './command.ts';
import { gradeCommand } from './grade.ts';
import { createPalette } from './palette.ts';
import { reportCommand } from './report.ts';
import { buildGraderTree, writeSolved } from '../grader/hostile/fixture.ts';
import type { ClassroomResult } from '../grader/render/classroom.ts';
import type { BatchReport, GradeReport } from '../grader/report.ts';
import { validate, type Schema } from '../grader/schema-check.ts';
import { shardOf } from '../grader/shard.ts';
import { childrenNamed, parseXml, propertiesOf } from '../grader/testing/xml.ts';

const base = mkdtempSync(join(tmpdir(), 'kata-shards-'));
const graderRoot = buildGraderTree(join(base, 'grader'));
const folder = join(base, 'candidates');
const out = (name: string): string => join(base, name);
afterAll(() => rmSync(base, { recursive: true, force: true }));
const schema = JSON.parse(readFileSync(join(graderRoot, 'harness/grader/report.schema.json'), 'utf8')) as Schema;

function context(env: Record<string, string> = {}): CommandContext & { output: string[]; errors: string[] } {
  const output: string[] = [];
  const errors: string[] = [];
  return {
    root: graderRoot,
    out: (text) => output.push(text),
    err: (text) => errors.push(text),
    palette: createPalette(false),
    interactive: false,
    prompt: async () => '',
    invocation: 'npx kata',
    env,
    output,
    errors,
  };
}

function write(dir: string, slug: string, source: string): void {
  mkdirSync(join(dir, 'katas', slug), { recursive: true });
  writeFileSync(join(dir, 'katas', slug, 'index.ts'), source);
}

/**
 * Five candidates over both shards of two (checked below): ada solves both katas; hal copies the
 * tally reference (reformatted: still identical once compiled) and skips echo; dee's tally counts
 * nothing; eve solves echo only; cy hands in the stubs. Ranked on what each attempted, ada, hal
 * and eve have 100 %; the checklist (10, 10 and 5 points), then the name, orders them.
 */
function writeCandidates(): void {
  writeSolved(join(folder, 'ada'), 'tally', graderRoot);
  writeSolved(join(folder, 'ada'), 'echo', graderRoot);
  const reference = readFileSync(join(graderRoot, 'solutions/tally/index.ts'), 'utf8');
  write(join(folder, 'hal'), 'tally', `// my own work\n${reference.replace(/\n/g, '\n\n')}`);
  write(
    join(folder, 'dee'),
    'tally',
    'export function tally(words: readonly string[]): Map<string, number> {\n  if (!Array.isArray(words)) throw new TypeError("not an array");\n  return new Map();\n}\n',
  );
  writeSolved(join(folder, 'eve'), 'echo', graderRoot);
  for (const slug of ['tally', 'echo']) {
    mkdirSync(join(folder, 'cy', 'katas', slug), { recursive: true });
    cpSync(join(graderRoot, 'katas', slug, 'stub.ts'), join(folder, 'cy', 'katas', slug, 'index.ts'));
  }
}

const TIMES = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?/g;

/** A report without what differs between two runs of the same grading: when it ran and how long it took. */
function timeless(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (key, entry: unknown) =>
    key === 'generatedAt' || key === 'durationMs' ? undefined : entry,
  );
}

function timelessText(text: string): string {
  return text.replace(TIMES, '<time>').replace(/time="[\d.]+"/g, 'time="<s>"');
}

describe('a batch graded in shards', () => {
  let whole: BatchReport;
  let merged: BatchReport;
  const shards: BatchReport[] = [];
  let mergeOutput = '';
  let wholeOutput = '';

  beforeAll(async () => {
    writeCandidates();
    const files = ['json', 'csv', 'markdown', 'junit'] as const;
    const args = (prefix: string): string[] => files.flatMap((kind) => [`--${kind}`, out(`${prefix}.${kind}`)]);
    const one = context();
    expect(await gradeCommand.run(['--candidate', folder, ...args('whole')], one)).toBe(0);
    wholeOutput = one.output.join('\n');
    whole = JSON.parse(readFileSync(out('whole.json'), 'utf8')) as BatchReport;
    for (const index of [1, 2]) {
      const ctx = context();
      expect(
        await gradeCommand.run(
          ['--candidate', folder, '--shard', `${index}/2`, '--json', out(`shard-${index}.json`)],
          ctx,
        ),
      ).toBe(0);
      shards.push(JSON.parse(readFileSync(out(`shard-${index}.json`), 'utf8')) as BatchReport);
    }
    const summary = out('merge-summary.md');
    writeFileSync(summary, '');
    const ctx = context({ GITHUB_STEP_SUMMARY: summary });
    // In the reverse order: the merge puts the shards in order itself.
    expect(await reportCommand.run(['merge', out('shard-2.json'), out('shard-1.json'), ...args('merged')], ctx)).toBe(
      0,
    );
    mergeOutput = ctx.output.join('\n');
    merged = JSON.parse(readFileSync(out('merged.json'), 'utf8')) as BatchReport;
  }, 300_000);

  test('the candidates are split across both shards, each graded once', () => {
    const names = ['ada', 'cy', 'dee', 'eve', 'hal'];
    expect(new Set(names.map((name) => shardOf(name, 2)))).toEqual(new Set([1, 2]));
    expect(shardOf('ada', 2)).not.toBe(shardOf('hal', 2));
    expect(shards.map((shard) => shard.candidates.map((entry) => entry.name).sort())).toEqual(
      [1, 2].map((index) => names.filter((name) => shardOf(name, 2) === index)),
    );
    for (const shard of shards) {
      expect(validate(schema, shard)).toEqual([]);
      expect(shard.shard).toMatchObject({ count: 2, katas: ['tally', 'echo'] });
    }
  });

  test('the merge gives the report one run over the whole folder gives, times aside', () => {
    expect(validate(schema, merged)).toEqual([]);
    expect(merged.shard).toBeUndefined();
    expect(timeless(merged)).toEqual(timeless(whole));
    expect(merged.ranking.map((row) => [row.rank, row.name])).toEqual(whole.ranking.map((row) => [row.rank, row.name]));
  });

  test('and the same ranking CSV, Markdown and JUnit, byte for byte but for times', () => {
    expect(readFileSync(out('merged.csv'), 'utf8')).toBe(readFileSync(out('whole.csv'), 'utf8'));
    for (const kind of ['markdown', 'junit']) {
      expect(timelessText(readFileSync(out(`merged.${kind}`), 'utf8')), kind).toBe(
        timelessText(readFileSync(out(`whole.${kind}`), 'utf8')),
      );
    }
    // The terminal shows the same ranking and scorecards; only the files it names differ.
    expect(mergeOutput.replaceAll('merged.', 'whole.')).toBe(wholeOutput);
    expect(readFileSync(out('merge-summary.md'), 'utf8')).toContain('# Batch grading: 5 candidates');
  });

  test('the result is the one expected: ranked on what each attempted, the copies found across shards', () => {
    expect(whole.rankedOn).toBe('attempted-katas');
    expect(whole.ranking.map((row) => [row.name, row.score, row.max])).toEqual([
      ['ada', 5, 5],
      ['hal', 4, 4],
      ['eve', 1, 1],
      ['dee', 2, 4],
      ['cy', 0, 0],
    ]);
    // ada and hal are in different shards, ada and eve in the same one.
    expect(merged.similarPairs).toEqual([
      { kata: 'tally', candidates: ['ada', 'hal'], verdict: 'identical', exact: 1, structure: 1 },
      { kata: 'echo', candidates: ['ada', 'eve'], verdict: 'identical', exact: 1, structure: 1 },
    ]);
    expect(merged.ranking.find((row) => row.name === 'hal')!.similarToReference).toEqual([
      { kata: 'tally', verdict: 'identical' },
    ]);
  });

  test('refuses to merge with a shard missing, naming it', async () => {
    await expect(reportCommand.run(['merge', out('shard-1.json')], context())).rejects.toThrow(
      /kata report merge: shard 2\/2 missing/,
    );
  });

  test('a shard with no candidate is an empty shard, not an error', async () => {
    const empty = join(base, 'empty-folder');
    mkdirSync(empty, { recursive: true });
    const ctx = context();
    expect(await gradeCommand.run(['--candidate', empty, '--shard', '1/3', '--json', out('empty.json')], ctx)).toBe(0);
    const report = JSON.parse(readFileSync(out('empty.json'), 'utf8')) as BatchReport;
    expect(report.candidates).toEqual([]);
    expect(report.shard).toMatchObject({ index: 1, count: 3, submissions: [] });
    expect(validate(schema, report)).toEqual([]);
  });
});

describe('one candidate, in the formats CI tools read', () => {
  const dir = join(base, 'solo', 'ada-kata');
  let report: GradeReport;
  let ctx: ReturnType<typeof context>;
  const summary = out('solo-summary.md');

  beforeAll(async () => {
    writeSolved(dir, 'tally', graderRoot);
    write(dir, 'echo', 'export function echo<T>(value: T): T {\n  return structuredClone(value);\n}\n');
    writeFileSync(summary, '# Earlier steps wrote this\n');
    ctx = context({ GITHUB_STEP_SUMMARY: summary });
    const args = ['--candidate', dir, '--json', out('solo.json'), '--junit', out('solo.xml')];
    expect(
      await gradeCommand.run([...args, '--classroom', out('solo-classroom.json'), '--classroom-env', 'kata'], ctx),
    ).toBe(0);
    report = JSON.parse(readFileSync(out('solo.json'), 'utf8')) as GradeReport;
  }, 120_000);

  test('--classroom writes the runner result: one test per check with its points, and the status', () => {
    const result = JSON.parse(readFileSync(out('solo-classroom.json'), 'utf8')) as ClassroomResult;
    const checks = report.katas.flatMap((kata) => kata.checks.map((check) => ({ kata, check })));
    expect(result).toMatchObject({ version: 1, status: 'fail', max_score: report.total.max });
    expect(result.tests).toHaveLength(checks.length);
    expect(result.tests.map((entry) => [entry.name, entry.status, entry.score, entry.max_score])).toEqual(
      checks.map(({ kata, check }) => [
        `${kata.slug}: ${check.title} (${check.id})`,
        check.status === 'passed' ? 'pass' : 'fail',
        check.earned,
        check.points,
      ]),
    );
    expect(result.tests.find((entry) => entry.name.startsWith('echo:'))).toMatchObject({ status: 'fail', score: 0 });
    expect(result.tests.reduce((sum, entry) => sum + entry.score, 0)).toBe(report.total.score);
  });

  test('--classroom-env prints only KATA_RESULTS=<base64> on stdout, the scorecard going to stderr', () => {
    expect(ctx.output).toHaveLength(1);
    const [line] = ctx.output;
    expect(line).toMatch(/^KATA_RESULTS=[A-Za-z0-9+/]+=*$/);
    const decoded = JSON.parse(Buffer.from(line!.slice('KATA_RESULTS='.length), 'base64').toString('utf8')) as unknown;
    expect(decoded).toEqual(JSON.parse(readFileSync(out('solo-classroom.json'), 'utf8')));
    expect(ctx.errors.join('\n')).toContain('Automated checks  4 of 5 points');
  });

  test('--junit writes a testsuite per kata and a testcase per check with its points', () => {
    const root = parseXml(readFileSync(out('solo.xml'), 'utf8'));
    const suites = childrenNamed(root, 'testsuite');
    expect(suites.map((suite) => suite.attributes.name)).toEqual(['tally', 'echo']);
    for (const [suite, kata] of suites.map((entry, index) => [entry, report.katas[index]!] as const)) {
      expect(propertiesOf(suite)).toMatchObject({
        score: String(kata.score),
        max: String(kata.max),
        status: kata.status,
      });
      const cases = childrenNamed(suite, 'testcase');
      expect(cases.map((entry) => propertiesOf(entry).points)).toEqual(
        kata.checks.map((check) => String(check.points)),
      );
      expect(cases.map((entry) => propertiesOf(entry).earned)).toEqual(
        kata.checks.map((check) => String(check.earned)),
      );
    }
    const echo = childrenNamed(suites[1]!, 'testcase')[0]!;
    const failure = childrenNamed(echo, 'failure')[0]!;
    expect(failure.attributes.message).toBe(report.katas[1]!.checks[0]!.message.split('\n')[0]);
    expect(Number(root.attributes.failures)).toBe(1);
  });

  test('appends the Markdown scorecard to $GITHUB_STEP_SUMMARY, after what was there', () => {
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('# Earlier steps wrote this\n# Scorecard: ada-kata\n')).toBe(true);
    expect(text).toContain('| tally | easy | 4/4 |');
    expect(ctx.errors.join('\n')).toContain('Appended the scorecard to the step summary');
  });

  test('refuses --classroom for a batch, and --classroom-env with a runner id the reporter cannot read', async () => {
    await expect(gradeCommand.run(['--candidate', folder, '--classroom', out('x.json')], context())).rejects.toThrow(
      /--classroom and --classroom-env report one candidate's repository/,
    );
    await expect(gradeCommand.run(['--candidate', dir, '--classroom-env', 'my-runner'], context())).rejects.toThrow(
      /runner id \(letters and digits/,
    );
    await expect(gradeCommand.run(['--solutions', '--shard', '1/2'], context())).rejects.toThrow(
      /--shard splits a folder/,
    );
    await expect(gradeCommand.run(['--candidate', folder, '--shard', '3/2'], context())).rejects.toThrow(
      /the shard must be 1 to 2/,
    );
  });
});
