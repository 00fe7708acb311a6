/**
 * The formats CI tools read (GitHub Classroom's runner result, JUnit XML), sharding and the
 * refusals of the merge, on reports made up from fake runs: no process is started.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { harnessRoot } from '../catalog/catalog.ts';
import { assembleBatch, similarPairsOf, submissionCodes, type SubmissionPrint } from './batch.ts';
import { mergeShards, MergeError } from './merge.ts';
import { classroomEnvLine, classroomResult, ENV_LINE_LIMIT, type ClassroomResult } from './render/classroom.ts';
import { renderBatchJunit, renderJunit } from './render/junit.ts';
import type { BatchReport, GradeReport } from './report.ts';
import { validate, type Schema } from './schema-check.ts';
import { buildReport, type KataGrading } from './score.ts';
import { entriesInShard, inShard, parseShard, shardOf, ShardError } from './shard.ts';
import { fingerprint } from './similarity.ts';
import { failed, fakeCheck, fakeKata, fakeRun, graderInfo, passed } from './testing/fakes.ts';
import { childrenNamed, parseXml, propertiesOf, type XmlElement } from './testing/xml.ts';
import { parseYaml } from './testing/yaml.ts';

const schema = JSON.parse(readFileSync(join(harnessRoot, 'harness/grader/report.schema.json'), 'utf8')) as Schema;

/** What a candidate's code can put in a failure message: markup, quotes, control characters, a lone surrogate. */
const HOSTILE = 'got <b>"x" & \'y\'</b> ]]> \u0007\u001b[31m \ud800 😀';

const checks = {
  race: fakeCheck('one-winner', 'race-conditions', 3, 'no-concurrency-handling'),
  errors: fakeCheck('rejects-bad-input', 'code-error-handling', 2, 'no-error-handling'),
  api: fakeCheck('classic-examples', 'api-design', 1),
};
const all = Object.values(checks);

function grading(slug: string, verdict: KataGrading['verdict']): KataGrading {
  return { kata: fakeKata(slug), checks: all, verdict, similarity: null, notes: [], durationMs: 1500 };
}

function report(name: string, gradings: readonly KataGrading[]): GradeReport {
  return buildReport({
    candidate: { name, path: `/candidates/${name}`, kind: 'candidate' },
    gradings,
    grader: graderInfo,
    generatedAt: '2026-01-02T03:04:05.000Z',
  });
}

const mixed = report('alice', [
  grading('seats', {
    kind: 'ran',
    run: fakeRun('seats', [
      { ...failed(checks.race, `2 of 1000 reservations succeeded: ${HOSTILE}\nsecond line`), seed: -1945938457 },
      failed(checks.errors, 'the code threw TypeError: x is not a function', 'exception'),
      passed(checks.api),
    ]),
  }),
  grading('webhook', { kind: 'ran', run: fakeRun('webhook', all.map(passed)) }),
  grading('retry', {
    kind: 'disqualified',
    reason: 'index.ts imports "p-retry", a package the grader does not provide',
  }),
  grading('rbac', { kind: 'not-attempted', reason: 'there is no katas/rbac/index.ts' }),
]);

const CHECK_COUNT = mixed.katas.reduce((sum, kata) => sum + kata.checks.length, 0);

describe('the GitHub Classroom runner result', () => {
  const result = classroomResult(mixed);

  test('is version 1 with one test per check, each with its points, adding up to the scorecard', () => {
    expect(result.version).toBe(1);
    expect(result.tests).toHaveLength(CHECK_COUNT);
    expect(result.max_score).toBe(mixed.total.max);
    expect(result.tests.reduce((sum, entry) => sum + entry.score, 0)).toBe(mixed.total.score);
    for (const kata of mixed.katas) {
      for (const check of kata.checks) {
        const entry = result.tests.find((candidate) => candidate.name === `${kata.slug}: ${check.title} (${check.id})`);
        expect(entry, `${kata.slug}/${check.id}`).toBeDefined();
        expect(entry!.score).toBe(check.earned);
        expect(entry!.max_score).toBe(check.points);
        expect(entry!.message).toContain(`${check.earned} of ${check.points} point`);
      }
    }
  });

  test('says pass, fail or error per test and overall, and keeps each message to one line', () => {
    expect(result.status).toBe('fail');
    const statuses = (slug: string) =>
      result.tests.filter((entry) => entry.name.startsWith(`${slug}:`)).map((entry) => entry.status);
    expect(statuses('seats')).toEqual(['fail', 'fail', 'pass']);
    expect(statuses('webhook')).toEqual(['pass', 'pass', 'pass']);
    expect(statuses('retry')).toEqual(['error', 'error', 'error']);
    expect(statuses('rbac')).toEqual(['fail', 'fail', 'fail']);
    expect(result.tests.every((entry) => !entry.message.includes('\n'))).toBe(true);
    expect(result.tests.find((entry) => entry.name.startsWith('rbac:'))!.message).toMatch(/^not attempted: /);

    const solved = classroomResult(
      report('bo', [grading('webhook', { kind: 'ran', run: fakeRun('w', all.map(passed)) })]),
    );
    expect(solved.status).toBe('pass');
    const broken = classroomResult(
      report('cy', [grading('webhook', { kind: 'unreadable', reason: 'katas/webhook/index.ts does not compile' })]),
    );
    expect(broken.status).toBe('error');
    expect(broken.message).toContain('does not compile');
  });

  test('--classroom-env prints <ID>_RESULTS as the reporter reads it: base64 of the same JSON', () => {
    const line = classroomEnvLine('kata', mixed);
    const [name, value] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)];
    expect(name).toBe('KATA_RESULTS');
    expect(value).toMatch(/^[A-Za-z0-9+/]+=*$/);
    // The reporter's own reading: Buffer.from(process.env[`${runner.toUpperCase()}_RESULTS`], 'base64').
    const decoded = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as ClassroomResult;
    expect(decoded).toEqual(JSON.parse(JSON.stringify(result)));
    expect(() => classroomEnvLine('my-runner', mixed)).toThrow(/letters and digits/);
  });

  test('--classroom-env fits one environment variable however many checks fail, keeping every point', () => {
    // 400 failing checks with long reasons: twice the catalogue's checks, each reason 2,000 characters.
    const many = Array.from({ length: 400 }, (_, index) => fakeCheck(`check-${index}`, 'api-design', 1 + (index % 3)));
    const big = buildReport({
      candidate: { name: 'dee', path: '/candidates/dee', kind: 'candidate' },
      gradings: [
        {
          kata: fakeKata('huge'),
          checks: many,
          verdict: {
            kind: 'ran',
            run: fakeRun(
              'huge',
              many.map((check) => failed(check, 'x'.repeat(2000))),
            ),
          },
          similarity: null,
          notes: [],
          durationMs: 1,
        },
      ],
      grader: graderInfo,
    });
    const line = classroomEnvLine('kata', big);
    expect(line.length).toBeLessThanOrEqual(ENV_LINE_LIMIT);
    expect(ENV_LINE_LIMIT).toBeLessThan(128 * 1024);
    const decoded = JSON.parse(
      Buffer.from(line.slice('KATA_RESULTS='.length), 'base64').toString('utf8'),
    ) as ClassroomResult;
    const full = classroomResult(big);
    expect(decoded.tests.map((entry) => [entry.name, entry.status, entry.score, entry.max_score])).toEqual(
      full.tests.map((entry) => [entry.name, entry.status, entry.score, entry.max_score]),
    );
    expect(decoded.max_score).toBe(full.max_score);
    expect(full.tests[0]!.message.length).toBeGreaterThan(decoded.tests[0]!.message.length);
  });
});

function testcases(suite: XmlElement): XmlElement[] {
  return childrenNamed(suite, 'testcase');
}

describe('the JUnit report', () => {
  const xml = renderJunit(mixed, { invocation: 'npx kata' });
  const root = parseXml(xml);

  test('parses as XML: a testsuite per kata, a testcase per check, the counts adding up', () => {
    expect(root.name).toBe('testsuites');
    const suites = childrenNamed(root, 'testsuite');
    expect(suites.map((suite) => suite.attributes.name)).toEqual(mixed.katas.map((kata) => kata.slug));
    expect(suites.flatMap(testcases)).toHaveLength(CHECK_COUNT);
    expect(Number(root.attributes.tests)).toBe(CHECK_COUNT);
    expect(Number(root.attributes.failures)).toBe(2);
    expect(Number(root.attributes.errors)).toBe(3);
    expect(Number(root.attributes.skipped)).toBe(3);
    for (const suite of suites) {
      const kata = mixed.katas.find((entry) => entry.slug === suite.attributes.name)!;
      expect(Number(suite.attributes.tests)).toBe(kata.checks.length);
      expect(propertiesOf(suite)).toMatchObject({ kata: kata.slug, score: String(kata.score), max: String(kata.max) });
    }
  });

  test("carries every check's points as properties, and each failure's one-line reason", () => {
    for (const kata of mixed.katas) {
      const suite = childrenNamed(root, 'testsuite').find((entry) => entry.attributes.name === kata.slug)!;
      for (const check of kata.checks) {
        const testcase = testcases(suite).find((entry) => entry.attributes.name === `${check.id}: ${check.title}`)!;
        expect(testcase, `${kata.slug}/${check.id}`).toBeDefined();
        expect(testcase.attributes.classname).toBe(kata.slug);
        expect(propertiesOf(testcase)).toMatchObject({
          points: String(check.points),
          earned: String(check.earned),
          item: check.item,
        });
      }
    }
    const seats = childrenNamed(root, 'testsuite')[0]!;
    const [race, errors, api] = testcases(seats);
    const failure = childrenNamed(race!, 'failure')[0]!;
    // The attribute is the reason's first line, the candidate's characters intact where XML allows them.
    expect(failure.attributes.message).toBe(
      '2 of 1000 reservations succeeded: got <b>"x" & \'y\'</b> ]]> \\x07\\x1b[31m \ufffd 😀',
    );
    expect(failure.attributes.type).toBe('assertion');
    expect(failure.text).toContain('second line');
    expect(failure.text).toContain('replay: npx kata test seats');
    expect(propertiesOf(race!)).toMatchObject({ seed: '-1945938457', 'red-flag': 'no-concurrency-handling' });
    expect(childrenNamed(errors!, 'failure')[0]!.attributes.type).toBe('exception');
    expect(api!.children.map((child) => child.name)).toEqual(['properties']);
    const retry = childrenNamed(root, 'testsuite')[2]!;
    expect(testcases(retry).every((entry) => childrenNamed(entry, 'error').length === 1)).toBe(true);
    const rbac = childrenNamed(root, 'testsuite')[3]!;
    expect(childrenNamed(testcases(rbac)[0]!, 'skipped')[0]!.attributes.message).toMatch(/^not attempted/);
  });

  test('a batch has a testsuite per candidate and kata', () => {
    const other = report('bo', [grading('webhook', { kind: 'ran', run: fakeRun('webhook', all.map(passed)) })]);
    const batch = assembleBatch({
      reports: [mixed, other],
      katas: ['webhook'],
      prints: [],
      grader: graderInfo,
      generatedAt: mixed.generatedAt,
      katasGiven: false,
    });
    const suites = childrenNamed(parseXml(renderBatchJunit(batch)), 'testsuite');
    expect(suites.map((suite) => suite.attributes.name)).toEqual([
      'bo/webhook',
      ...mixed.katas.map((kata) => `alice/${kata.slug}`),
    ]);
  });

  test('the parser the tests use rejects what an XML parser rejects', () => {
    for (const broken of [
      '<a>x & y</a>',
      '<a><b></a></b>',
      '<a b="1" b="2"/>',
      '<a>\u0001</a>',
      '<a>&nope;</a>',
      '<a/><b/>',
      '<a>',
    ]) {
      expect(() => parseXml(broken), broken).toThrow();
    }
  });
});

describe('shards', () => {
  test('--shard is i/n with 1 <= i <= n', () => {
    expect(parseShard('2/10')).toEqual({ index: 2, count: 10 });
    for (const bad of ['0/3', '4/3', '1/0', 'a/b', '1', '-1/2', '1/1001']) {
      expect(() => parseShard(bad), bad).toThrow(ShardError);
    }
  });

  const names = Array.from({ length: 1000 }, (_, index) => `candidate-${index}`);

  test("a candidate's shard depends on its name alone: adding candidates moves nobody", () => {
    const before = new Map(names.slice(0, 500).map((name) => [name, shardOf(name, 10)]));
    // The second half "arrives later": the first half keeps its shards, since nothing else is hashed.
    for (const [name, shard] of before) expect(shardOf(name, 10)).toBe(shard);
    expect(shardOf('ada', 2)).toBe(shardOf('ada', 2));
  });

  test('the shards cover every candidate once and are about equal', () => {
    const sizes = Array.from(
      { length: 10 },
      (_, index) => names.filter((name) => inShard(name, { index: index + 1, count: 10 })).length,
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(names.length);
    for (const size of sizes) expect(size).toBeGreaterThan(60);
    for (const size of sizes) expect(size).toBeLessThan(140);
  });

  test('a list of repositories splits by the folder each is cloned into', () => {
    const list = '# candidates\norg/ada\n\nother/bo.git\nplain-name  # a comment\norg/cy/\n';
    const split = [1, 2].map((index) => entriesInShard(list, { index, count: 2 }));
    expect([...split[0]!, ...split[1]!].sort()).toEqual(['org/ada', 'org/cy', 'other/bo', 'plain-name']);
    expect(split[shardOf('ada', 2) - 1]).toContain('org/ada');
    expect(split[shardOf('bo', 2) - 1]).toContain('other/bo');
    expect(() => entriesInShard('org/ada\nfork/ada\n', { index: 1, count: 1 })).toThrow(/both be checked out as ada/);
    expect(() => entriesInShard('org/$(rm -rf ~)\n', { index: 1, count: 1 })).toThrow(ShardError);
  });
});

describe('kata report merge refuses what it cannot put together', () => {
  async function shardOfBatch(index: number, count: number, reports: GradeReport[]): Promise<BatchReport> {
    const prints: SubmissionPrint[] = [];
    for (const entry of reports) {
      prints.push({
        candidate: entry.candidate.name,
        kata: 'webhook',
        fingerprint: (await fingerprint('export const x = 1;'))!,
      });
    }
    const batch = assembleBatch({
      reports,
      katas: ['webhook'],
      prints,
      grader: graderInfo,
      generatedAt: `2026-01-0${index}T00:00:00.000Z`,
      katasGiven: false,
    });
    return { ...batch, shard: { index, count, katas: ['webhook'], submissions: submissionCodes(prints) } };
  }
  const one = (name: string) =>
    report(name, [grading('webhook', { kind: 'ran', run: fakeRun('webhook', all.map(passed)) })]);

  test('puts two shards together, ranked, with the look-alikes across them', async () => {
    const first = await shardOfBatch(1, 2, [one('ada')]);
    const second = await shardOfBatch(2, 2, [one('bo'), one('cy')]);
    expect(validate(schema, first)).toEqual([]);
    const merged = mergeShards([
      { file: 'b.json', report: second },
      { file: 'a.json', report: first },
    ]);
    expect(validate(schema, merged)).toEqual([]);
    expect(merged.shard).toBeUndefined();
    expect(merged.ranking.map((row) => row.name)).toEqual(['ada', 'bo', 'cy']);
    expect(merged.generatedAt).toBe('2026-01-02T00:00:00.000Z');
    expect(merged.similarPairs.map((pair) => pair.candidates)).toEqual([
      ['ada', 'bo'],
      ['ada', 'cy'],
      ['bo', 'cy'],
    ]);
  });

  test.each([
    [
      'a missing shard',
      async () => [await shardOfBatch(1, 3, [one('ada')]), await shardOfBatch(3, 3, [])],
      /shard 2\/3 missing/,
    ],
    [
      'a shard twice',
      async () => [await shardOfBatch(1, 2, [one('ada')]), await shardOfBatch(1, 2, [one('bo')])],
      /both shard 1\/2/,
    ],
    [
      'shards of different splits',
      async () => [await shardOfBatch(1, 2, []), await shardOfBatch(2, 3, [])],
      /one of 2/,
    ],
    [
      'a candidate in two shards',
      async () => [await shardOfBatch(1, 2, [one('ada')]), await shardOfBatch(2, 2, [one('ada')])],
      /"ada" is in both/,
    ],
    [
      'another grader version',
      async () => [
        await shardOfBatch(1, 2, []),
        { ...(await shardOfBatch(2, 2, [])), grader: { ...graderInfo, version: '9.9.9' } },
      ],
      /same grader/,
    ],
    ['a whole batch', async () => [{ ...(await shardOfBatch(1, 1, [])), shard: undefined }], /not of a shard/],
    ['a single report', async () => [one('ada')], /not a batch report/],
    [
      'a report that breaks the schema',
      async () => [{ ...(await shardOfBatch(1, 1, [])), ranking: 'first' }],
      /does not match the report schema/,
    ],
  ])('refuses %s', async (_what, make, message) => {
    const reports = await make();
    const files = reports.map((entry, index) => ({ file: `shard-${index}.json`, report: entry }));
    expect(() => mergeShards(files)).toThrow(MergeError);
    expect(() => mergeShards(files)).toThrow(message);
  });

  test('orders look-alike pairs by kata, then by the names, on every machine', async () => {
    const print = (await fingerprint('export function f(a: number): number { return a + 1; }'))!;
    const prints: SubmissionPrint[] = ['cy', 'ada', 'bo'].map((candidate) => ({
      candidate,
      kata: 'k',
      fingerprint: print,
    }));
    expect(similarPairsOf(['k'], prints).map((pair) => pair.candidates)).toEqual([
      ['ada', 'bo'],
      ['ada', 'cy'],
      ['bo', 'cy'],
    ]);
  });
});

describe('the YAML the workflow templates are read with', () => {
  test('reads mappings, sequences, block scalars, flow sequences and quoted scalars', () => {
    const parsed = parseYaml(
      [
        'name: x # a comment',
        'on:',
        '  push:',
        'env:',
        '  EMPTY: ""',
        "  QUOTED: 'it''s'",
        'jobs:',
        '  a:',
        '    strategy:',
        '      matrix:',
        '        shard: [1, 2]',
        '    steps:',
        '      - uses: actions/checkout@v4',
        '        with:',
        '          path: p',
        '      - name: run it',
        '        run: |',
        '          echo "a: b" # kept',
        '',
        '          echo two',
      ].join('\n'),
    );
    expect(parsed).toEqual({
      name: 'x',
      on: { push: null },
      env: { EMPTY: '', QUOTED: "it's" },
      jobs: {
        a: {
          strategy: { matrix: { shard: ['1', '2'] } },
          steps: [
            { uses: 'actions/checkout@v4', with: { path: 'p' } },
            { name: 'run it', run: 'echo "a: b" # kept\n\necho two\n' },
          ],
        },
      },
    });
  });

  test('refuses YAML it does not read rather than reading it wrong', () => {
    for (const text of ['a: &anchor 1', 'a: >\n  folded', 'a:\n\tb: 1', 'a: 1\n  b: 2', 'a: {b: 1}']) {
      expect(() => parseYaml(text), text).toThrow();
    }
  });
});
