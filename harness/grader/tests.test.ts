/**
 * "Testing considerations" from the candidate's own tests, end to end on a grader tree built in a
 * temporary folder (never this checkout) with the fixture kata `clamp` (six rules, a wrong file
 * per rule: one loops when min equals max, one kills its process): a suite that catches every wrong
 * file scores 5 / 5; one that asserts only the examples scores low and lists the rules it misses;
 * one with a test that fails on the reference scores 0, the test named; and the hostile suites
 * (hostile/suites/) change nothing but their own score. Then the judging rules, unit by unit.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checklistItem } from '../checklist.ts';
import type { CandidateTestOutcome, CandidateTestRun } from '../runner/mine.ts';
import { namespacesWork } from '../runner/sandbox/isolation.ts';
import { grade, type GradeOptions, type GradeResult, type GradeTarget } from './grade.ts';
import type { Gallery, GalleryTarget } from './gallery.ts';
import { buildGraderTree, writeSuiteCandidate } from './hostile/fixture.ts';
import { renderCsv } from './render/csv.ts';
import { renderMarkdown } from './render/markdown.ts';
import { renderScorecard } from './render/terminal.ts';
import { createPalette } from '../commands/palette.ts';
import type { GradeReport, TestsReport } from './report.ts';
import { validate, type Schema } from './schema-check.ts';
import { buildReport } from './score.ts';
import { judgeSuite, shownTestName, type CandidateTests, type SuiteResult } from './tests.ts';

/** Short limits, as the hostile corpus uses: the loops need no more. */
const LIMITS: GradeOptions['limits'] = {
  timeoutCapMs: 1500,
  graceMs: 500,
  loadTimeoutMs: 10_000,
  memoryLimitMb: 600,
  heapLimitMb: 192,
};

const base = mkdtempSync(join(tmpdir(), 'kata-own-tests-'));
const graderRoot = buildGraderTree(join(base, 'grader'), ['clamp']);
afterAll(() => rmSync(base, { recursive: true, force: true }));
const schema = JSON.parse(readFileSync(join(graderRoot, 'harness/grader/report.schema.json'), 'utf8')) as Schema;
const graderFiles = ['katas/clamp/spec.ts', 'harness/kit/spec.ts', 'harness/runner/register.ts'].map(
  (path) => [path, readFileSync(join(graderRoot, path), 'utf8')] as const,
);
/** Text of the gallery and the reference no report may show: a wrong file's code, the reference's messages. */
const SECRETS = [
  'reallyExit(1)',
  'Math.round',
  'Math.min(value',
  'Math.max(value',
  'low === max',
  'is greater than max',
  'clamp takes numbers',
  'index.bundle.mjs',
];

interface SuiteCase {
  readonly name: string;
  readonly expect: {
    readonly status: TestsReport['status'] | readonly TestsReport['status'][];
    /** The item's score. */
    readonly score: number;
    readonly caught?: number;
    readonly missed?: readonly string[];
    readonly failing?: readonly string[];
    readonly reason?: RegExp;
  };
}

const EXAMPLES_MISS = ['inside-unchanged', 'equal-bounds', 'inverted-bounds-rejected', 'nan-rejected'];

const cases: readonly SuiteCase[] = [
  { name: 'thorough', expect: { status: 'passed', score: 5, caught: 6, missed: [] } },
  { name: 'examples-only', expect: { status: 'passed', score: 1.67, caught: 2, missed: EXAMPLES_MISS } },
  {
    name: 'fails-reference',
    expect: {
      status: 'failed',
      score: 0,
      failing: ['fails-reference.test.ts > rejects a value outside the bounds'],
      reason:
        /fails on the reference, a correct implementation: fails-reference\.test\.ts > rejects a value outside the bounds/,
    },
  },
  // Hostile: each changes nothing but its own score.
  { name: 'edits-spec', expect: { status: 'passed', score: 1.67, caught: 2 } },
  { name: 'fakes-output', expect: { status: 'passed', score: 1.67, caught: 2 } },
  { name: 'exits-early', expect: { status: ['error', 'failed'], score: 0 } },
  {
    name: 'really-exits',
    expect: { status: 'failed', score: 0, failing: ['really-exits.test.ts > is done early'] },
  },
  { name: 'never-ends', expect: { status: 'failed', score: 0, failing: ['never-ends.test.ts > waits forever'] } },
  { name: 'patches-expect', expect: { status: 'error', score: 0, reason: /tampered/ } },
  {
    name: 'reads-reference',
    expect: { status: 'failed', score: 0, failing: ['reads-reference.test.ts > is the reference'] },
  },
  { name: 'reads-gallery', expect: { status: 'disqualified', score: 0, reason: /imports "node:fs"/ } },
  { name: 'imports-reference', expect: { status: 'disqualified', score: 0, reason: /outside its kata folder/ } },
  { name: 'skipped-only', expect: { status: 'error', score: 0, reason: /every test is skipped/ } },
  { name: 'no-tests', expect: { status: 'error', score: 0, reason: /no test was collected/ } },
];

function targetsFor(names: readonly string[], folder: string): GradeTarget[] {
  return names.map((name) => {
    const dir = join(base, folder, name);
    writeSuiteCandidate(dir, [name], graderRoot);
    return { name, kind: 'candidate', dir };
  });
}

function lingering(): string[] {
  const table = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return table.split('\n').filter((line) => line.includes(base) && !line.includes('ps -eo'));
}

function expectSuite(report: GradeReport, suite: SuiteCase): void {
  const kata = report.katas.find((entry) => entry.slug === 'clamp')!;
  const tests = kata.tests!;
  const context = `${suite.name}: ${JSON.stringify({ ...tests, gallery: tests.gallery.map((g) => [g.rule, g.caught, g.reason]) })}`;
  const statuses = typeof suite.expect.status === 'string' ? [suite.expect.status] : suite.expect.status;
  expect(statuses, context).toContain(tests.status);
  const item = report.items.find((entry) => entry.id === 'testing')!;
  expect(item, context).toMatchObject({ status: 'scored', mode: 'candidate-tests', score: suite.expect.score });
  if (suite.expect.caught !== undefined) expect(tests.caught, context).toBe(suite.expect.caught);
  if (suite.expect.missed !== undefined) {
    expect(
      tests.missedRules.map((rule) => rule.id),
      context,
    ).toEqual(suite.expect.missed);
  }
  if (suite.expect.failing !== undefined) expect(tests.failingOnReference, context).toEqual(suite.expect.failing);
  if (suite.expect.reason !== undefined) expect(tests.reason, context).toMatch(suite.expect.reason);
  // The spec's own grading of the kata is untouched by the tests beside it.
  expect(kata.status, context).toBe('passed');
}

describe("the candidate's own tests, graded against the wrong gallery", () => {
  let result: GradeResult;
  let seconds = 0;

  beforeAll(async () => {
    const started = performance.now();
    const targets = targetsFor([...cases.map((entry) => entry.name), 'leaks-source'], 'candidates');
    // A candidate with no tests: the item stays with the interviewer.
    const untested = join(base, 'candidates', 'untested');
    writeSuiteCandidate(untested, [], graderRoot);
    result = await grade([...targets, { name: 'untested', kind: 'candidate', dir: untested }], {
      graderRoot,
      concurrency: availableParallelism(),
      limits: LIMITS,
    });
    seconds = (performance.now() - started) / 1000;
  }, 600_000);

  for (const suite of cases) {
    test(suite.name, () => {
      expectSuite(
        result.reports.find((entry) => entry.candidate.name === suite.name)!,
        suite,
      );
    });
  }

  test('names each wrong file by the rule it breaks, and the tests that caught it', () => {
    const tests = result.reports.find((entry) => entry.candidate.name === 'examples-only')!.katas[0]!.tests!;
    expect(tests.gallery.map((entry) => [entry.rule, entry.caught])).toEqual([
      ['inside-unchanged', false],
      ['below-is-min', true],
      ['above-is-max', true],
      ['equal-bounds', false],
      ['inverted-bounds-rejected', false],
      ['nan-rejected', false],
    ]);
    expect(tests.gallery[1]!.by).toEqual(['examples-only.test.ts > clamp(-1, 0, 10) is 0']);
    expect(tests.gallery[0]!.reason).toBe('every test passed on it');
    expect(tests.gallery[0]!.text).toBe('A value from min to max, both included, is returned unchanged.');
    expect(tests).toMatchObject({ tests: 3, passedOnReference: 3, wrongFiles: 6, runs: 8 });
    expect(tests.own).toMatchObject({ status: 'passed', passed: 3 });
  });

  test('counts a wrong file that hangs or kills its process as caught when a test failed on it', () => {
    const tests = result.reports.find((entry) => entry.candidate.name === 'thorough')!.katas[0]!.tests!;
    const byRule = new Map(tests.gallery.map((entry) => [entry.rule, entry]));
    expect(byRule.get('equal-bounds')).toMatchObject({
      caught: true,
      by: ['thorough.test.ts > clamp > returns the bound when min equals max'],
    });
    expect(byRule.get('inverted-bounds-rejected')).toMatchObject({
      caught: true,
      by: ['thorough.test.ts > clamp > rejects min greater than max'],
    });
  });

  test('runs no wrong file for a suite that fails on the reference', () => {
    const tests = result.reports.find((entry) => entry.candidate.name === 'fails-reference')!.katas[0]!.tests!;
    expect(tests.runs).toBe(2);
    expect(
      tests.gallery.every((entry) => !entry.caught && /not run: the suite does not pass/.test(entry.reason!)),
    ).toBe(true);
    expect(tests.missedRules).toEqual([]);
    // Their own code gets the messages: their code, their tests.
    expect(tests.own.failures).toEqual([
      {
        name: 'fails-reference.test.ts > rejects a value outside the bounds',
        reason: "expected function to throw an error, but it didn't",
      },
    ]);
  });

  test('asks about each rule the tests miss and each test that fails on the reference', () => {
    const asked = (name: string) =>
      result.reports
        .find((entry) => entry.candidate.name === name)!
        .followUps.filter((entry) => entry.source === 'tests');
    expect(asked('examples-only').map((entry) => entry.rule)).toEqual(EXAMPLES_MISS);
    expect(asked('examples-only')[0]!.question).toBe(
      'In clamp, no test of the candidate\'s fails on an implementation that breaks `inside-unchanged` ("A value from min to max, both included, is returned unchanged."): which test would catch it?',
    );
    expect(asked('fails-reference').map((entry) => entry.question)).toEqual([
      'In clamp, the candidate\'s test "fails-reference.test.ts > rejects a value outside the bounds" fails on a correct implementation: which sentence of the README does it check, and what would it take to pass on every correct one?',
    ]);
    expect(asked('thorough')).toEqual([]);
  });

  test('leaves the item to the interviewer for a candidate without tests', () => {
    const report = result.reports.find((entry) => entry.candidate.name === 'untested')!;
    expect(report.katas[0]!.tests).toBeNull();
    expect(report.items.find((entry) => entry.id === 'testing')).toMatchObject({
      status: 'for-interviewer',
      score: null,
      mode: 'candidate-tests',
    });
    expect(report.followUps.some((entry) => entry.source === 'interviewer-item' && entry.item === 'testing')).toBe(
      true,
    );
  });

  test('never shows a wrong file or the reference, by name or by text', () => {
    const palette = createPalette(false);
    for (const report of result.reports) {
      const json = JSON.stringify(report);
      const shown = [json, renderMarkdown(report), renderScorecard(report, palette, { invocation: 'npx kata' })];
      for (const text of shown) {
        for (const secret of SECRETS) expect(text, `${report.candidate.name}: ${secret}`).not.toContain(secret);
        expect(text, report.candidate.name).not.toMatch(
          /wrong\/|rounds-inside|no-upper-bound|no-lower-bound|loops-on-equal|exits-on-inverted|nan-passes-through/,
        );
      }
    }
    const leaks = result.reports.find((entry) => entry.candidate.name === 'leaks-source')!.katas[0]!.tests!;
    expect(leaks.status).toBe('passed');
    expect(JSON.stringify(leaks.gallery)).not.toContain('source: ');
  });

  test('writes reports that conform to the schema, and shows the evidence in every format', () => {
    expect(validate(schema, JSON.parse(JSON.stringify(result.batch)))).toEqual([]);
    const report = result.reports.find((entry) => entry.candidate.name === 'examples-only')!;
    const terminal = renderScorecard(report, createPalette(false), { invocation: 'npx kata', width: 100 });
    // The terminal shows points to one decimal, as everywhere else on the scorecard.
    expect(terminal).toContain('Their own tests, against the wrong gallery (Testing considerations: 1.7 / 5)');
    expect(terminal).toContain('clamp: catch 2 of 6 wrong files (1 file, 3 tests, all passing on the reference)');
    expect(terminal).toContain('they miss inside-unchanged, equal-bounds, inverted-bounds-rejected, nan-rejected');
    expect(terminal).toMatch(/Testing considerations +1\.7 \/ 5 \(their tests\)/);
    expect(terminal).toContain('About their own tests');
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('## Their own tests, against the wrong gallery');
    expect(markdown).toContain('| clamp | `examples-only.test.ts` | 3 | passes (3 of 3) | 2/6 |');
    expect(markdown).toContain('clamp caught 2/6 wrong files');
    const csv = renderCsv(result.batch).split('\r\n');
    const header = csv[0]!.split(',');
    const row = csv.find((line) => line.includes(',examples-only,'))!.split(',');
    expect(row[header.indexOf('testing')]).toBe('1.67');
    expect(row[header.indexOf('clamp_tests_caught')]).toBe('2');
    expect(row[header.indexOf('clamp_tests_wrong_files')]).toBe('6');
    expect(row[header.indexOf('clamp_tests_status')]).toBe('passed');
  });

  test("leaves the grader's own files as they were, and nothing running", () => {
    for (const [path, content] of graderFiles) expect(readFileSync(join(graderRoot, path), 'utf8'), path).toBe(content);
    expect(lingering()).toEqual([]);
  });

  test('runs every suite of the batch within its time limits', () => {
    // 17 candidates, about 70 runs on a loaded 2-core machine.
    expect(seconds).toBeLessThan(600);
  });
});

describe.runIf(namespacesWork())("the candidate's own tests without namespaces (a process group per run)", () => {
  const names = ['edits-spec', 'reads-reference', 'examples-only'];
  let result: GradeResult;

  beforeAll(async () => {
    result = await grade(targetsFor(names, 'fallback'), { graderRoot, limits: LIMITS, isolation: 'process-group' });
  }, 300_000);

  test('scores what the tests prove, whatever they read or write', () => {
    for (const name of names) {
      expectSuite(
        result.reports.find((entry) => entry.candidate.name === name)!,
        name === 'reads-reference'
          ? { name, expect: { status: 'failed', score: 0, failing: ['reads-reference.test.ts > is the reference'] } }
          : { name, expect: { status: 'passed', score: 1.67, caught: 2 } },
      );
    }
    expect(result.reports[0]!.grader.isolation).toBe('process-group');
  });

  test("puts back the grader's files a test edited, and says so", () => {
    for (const [path, content] of graderFiles) expect(readFileSync(join(graderRoot, path), 'utf8'), path).toBe(content);
    expect(result.reports[0]!.warnings.join('\n')).toMatch(/harness\/kit\/spec\.ts changed while candidate code ran/);
  });
});

// ---- The judging rules, without running anything ----

const galleryTarget = (rule: string): GalleryTarget => ({
  kind: 'wrong',
  file: `wrong/${rule}.ts`,
  rule,
  ruleText: `the rule ${rule}`,
  code: '',
});
const gallery: Gallery = {
  slug: 'clamp',
  reference: { kind: 'reference', file: 'index.ts', rule: null, ruleText: null, code: '' },
  wrong: ['a', 'b', 'c', 'd'].map(galleryTarget),
};
const suite: CandidateTests = {
  testFiles: ['x.test.ts'],
  files: [{ path: 'x.test.ts', content: Buffer.from("test('one', ...); test('two', ...); test('three', ...)") }],
  violations: [],
  notes: [],
};
const outcome = (name: string, state: CandidateTestOutcome['state']): CandidateTestOutcome => ({
  name: `x.test.ts > ${name}`,
  state,
  reason: state === 'passed' ? '' : 'why',
});
function run(
  states: Record<string, CandidateTestOutcome['state']>,
  extra: Partial<CandidateTestRun> = {},
): CandidateTestRun {
  const tests = Object.entries(states).map(([name, state]) => outcome(name, state));
  const failing = tests.some((entry) => entry.state === 'failed');
  const missing = tests.some((entry) => entry.state === 'missing');
  return {
    status: failing ? 'failing' : missing || !tests.some((entry) => entry.state === 'passed') ? 'error' : 'passed',
    tests,
    fileErrors: [],
    problems: [],
    integrity: 'verified',
    durationMs: 10,
    loadedFiles: [],
    ...extra,
  };
}
const on = (kind: SuiteResult['kind'], result: CandidateTestRun | string, target?: GalleryTarget): SuiteResult => ({
  kind,
  ...(target === undefined ? {} : { target }),
  ...(typeof result === 'string' ? { refusal: result } : { run: result }),
});
const allPass = { one: 'passed', two: 'passed', three: 'passed' } as const;

describe('judging a suite', () => {
  test('catches a wrong file only with a test that passes on the reference', () => {
    const report = judgeSuite({
      tests: suite,
      gallery,
      reference: on('reference', run({ one: 'passed', two: 'passed', three: 'skipped' })),
      wrong: [
        on('wrong', run({ one: 'failed', two: 'passed', three: 'passed' }), gallery.wrong[0]),
        // three is skipped on the reference: its failure proves nothing.
        on('wrong', run({ one: 'passed', two: 'passed', three: 'failed' }), gallery.wrong[1]),
        // It hung after two passed and one never reported: no test failed.
        on('wrong', run({ one: 'passed', two: 'missing', three: 'missing' }), gallery.wrong[2]),
        // Tampered: its failures count for nothing either.
        on(
          'wrong',
          run({ one: 'failed', two: 'failed', three: 'failed' }, { integrity: 'tampered' }),
          gallery.wrong[3],
        ),
      ],
      own: on('own', run(allPass)),
      durationMs: 5,
    });
    expect(report.gallery.map((entry) => [entry.rule, entry.caught, entry.reason])).toEqual([
      ['a', true, null],
      ['b', false, 'the only tests that failed on it do not pass on the reference'],
      ['c', false, '2 tests never reported a trustworthy result (the run ended early)'],
      ['d', false, 'no result counts: the test framework was tampered with'],
    ]);
    expect(report).toMatchObject({ status: 'passed', caught: 1, wrongFiles: 4, share: 0.25, skipped: 1 });
    expect(report.missedRules.map((rule) => rule.id)).toEqual(['b', 'c', 'd']);
  });

  test('earns nothing when the suite fails on the reference, or cannot be judged there', () => {
    const failing = judgeSuite({
      tests: suite,
      gallery,
      reference: on('reference', run({ one: 'passed', two: 'failed', three: 'passed' })),
      wrong: gallery.wrong.map((target) => on('wrong', 'not run: the suite does not pass on the reference', target)),
      own: on('own', run(allPass)),
      durationMs: 5,
    });
    expect(failing).toMatchObject({ status: 'failed', share: 0, failingOnReference: ['x.test.ts > two'] });
    const unjudgeable: readonly Record<string, CandidateTestOutcome['state']>[] = [
      {},
      { one: 'skipped' },
      { one: 'passed', two: 'missing' },
    ];
    for (const states of unjudgeable) {
      const report = judgeSuite({
        tests: suite,
        gallery,
        reference: on('reference', run(states)),
        wrong: [],
        own: on('own', 'not run: there is no katas/clamp/index.ts'),
        durationMs: 5,
      });
      expect(report.status, JSON.stringify(states)).toBe('error');
    }
  });

  test('never shows a name computed as the test runs', () => {
    const sources = "test('rejects NaN', ...); describe('clamp', ...)";
    expect(shownTestName('a.test.ts > clamp > rejects NaN', sources)).toBe('a.test.ts > clamp > rejects NaN');
    expect(shownTestName('a.test.ts > clamp > rejects NaN (2)', sources)).toBe('a.test.ts > clamp > rejects NaN (2)');
    expect(shownTestName('a.test.ts > export * from "./index.bundle.mjs"', sources)).toBe(
      'a.test.ts > (a test whose name is computed as it runs)',
    );
    // With the names a run on code the candidate has collected: only those.
    const known = new Set(['a.test.ts > clamp > rejects NaN']);
    expect(shownTestName('a.test.ts > clamp > rejects NaN', sources, known)).toBe('a.test.ts > clamp > rejects NaN');
    expect(shownTestName('a.test.ts > clamp', sources, known)).toBe(
      'a.test.ts > (a test whose name is computed as it runs)',
    );
    expect(shownTestName('a.test.ts > clamp > rejects NaN', sources, null)).toBe(
      'a.test.ts > (a test whose name is computed as it runs)',
    );
    expect(shownTestName('a.test.ts', sources, null)).toBe('a.test.ts');
  });

  test('names a test only as a run on code the candidate has collected it', () => {
    // Every character is somewhere in the source: a name spelled one character per describe block
    // passes the source check, and only the run on their own code tells it was computed.
    const spelled: CandidateTests = {
      ...suite,
      files: [{ path: 'x.test.ts', content: Buffer.from("test('one', ...); // abcdefghijklmnopqrstuvwxyz") }],
    };
    const judged = (own: SuiteResult, naming?: SuiteResult) =>
      judgeSuite({
        tests: spelled,
        gallery,
        reference: on('reference', run({ one: 'passed', 'a > b > c': 'passed' })),
        wrong: gallery.wrong.map((target, index) =>
          on('wrong', run({ one: 'passed', 'a > b > c': index === 0 ? 'failed' : 'passed' }), target),
        ),
        own,
        ...(naming === undefined ? {} : { naming }),
        durationMs: 1,
      }).gallery[0]!;
    const computed = 'x.test.ts > (a test whose name is computed as it runs)';
    // Their own code spelled other characters: the name came from what the run against the gallery read.
    expect(judged(on('own', run({ one: 'passed', 'x > y > z': 'passed' })))).toMatchObject({
      caught: true,
      by: [computed],
    });
    expect(judged(on('own', run({ one: 'passed', 'a > b > c': 'failed' })))).toMatchObject({
      by: ['x.test.ts > a > b > c'],
    });
    // Without a run of their code, the run on the stub names the tests; without either, none is named.
    const refused = on('own', 'not run: there is no katas/clamp/index.ts');
    expect(judged(refused, on('own', run({ one: 'failed', 'a > b > c': 'failed' })))).toMatchObject({
      by: ['x.test.ts > a > b > c'],
    });
    expect(judged(refused)).toMatchObject({ caught: true, by: [computed] });
    // A tampered run's names prove nothing either.
    expect(judged(on('own', run({ 'a > b > c': 'passed' }, { integrity: 'tampered' })))).toMatchObject({
      by: [computed],
    });
  });

  test('names a block that failed to load as a test is named', () => {
    const report = judgeSuite({
      tests: suite,
      gallery,
      reference: on(
        'reference',
        run(
          { one: 'passed' },
          {
            status: 'failing',
            fileErrors: [
              { file: 'x.test.ts', reason: 'why' },
              { file: 'x.test.ts > function clamp(e,t,n){', reason: 'why' },
            ],
          },
        ),
      ),
      wrong: [],
      own: on('own', run({ one: 'passed' })),
      durationMs: 1,
    });
    expect(report.failingOnReference).toEqual([
      'x.test.ts (failed to load)',
      'x.test.ts > (a test whose name is computed as it runs) (failed to load)',
    ]);
  });

  test("quotes only the runner's own reason for stopping a run, never an error worded like one", () => {
    const reasonOf = (extra: Partial<CandidateTestRun>) =>
      judgeSuite({
        tests: suite,
        gallery,
        reference: on('reference', run({}, extra)),
        wrong: [],
        own: on('own', run(allPass)),
        durationMs: 1,
      }).reason;
    const worded = { problems: ['the run used function clamp(e,t,n){', 'loading the module did not finish: secret'] };
    expect(reasonOf(worded)).toBe('cannot be judged on the reference: no test was collected');
    expect(reasonOf({ ...worded, stopReason: 'the run reached its time limit of 2 s; the process was stopped' })).toBe(
      'cannot be judged on the reference: the run reached its time limit of 2 s; the process was stopped',
    );
    const gallery1 = { ...gallery, wrong: gallery.wrong.slice(0, 1) };
    const wrongReason = judgeSuite({
      tests: suite,
      gallery: gallery1,
      reference: on('reference', run(allPass)),
      wrong: [on('wrong', run({ one: 'passed', two: 'missing', three: 'passed' }, worded), gallery1.wrong[0])],
      own: on('own', run(allPass)),
      durationMs: 1,
    }).gallery[0]!.reason;
    expect(wrongReason).toBe('1 test never reported a trustworthy result (the run ended early)');
  });

  test('averages the share over the katas with tests, as the automated items are', () => {
    const tests = (caught: number, wrongFiles: number, status: TestsReport['status'] = 'passed'): TestsReport =>
      judgeSuite({
        tests: suite,
        gallery: { ...gallery, wrong: Array.from({ length: wrongFiles }, (_, index) => galleryTarget(`r${index}`)) },
        reference: on('reference', run(status === 'passed' ? allPass : { one: 'failed' })),
        wrong: Array.from({ length: wrongFiles }, (_, index) =>
          on('wrong', run(index < caught ? { one: 'failed' } : allPass), galleryTarget(`r${index}`)),
        ),
        own: on('own', run(allPass)),
        durationMs: 1,
      });
    const kata = (slug: string) =>
      ({ slug, manifest: { title: slug, difficulty: 'easy', followUps: [], checklistItems: ['testing'] } }) as never;
    const grading = (slug: string, report: TestsReport | undefined) => ({
      kata: kata(slug),
      checks: [],
      verdict: { kind: 'not-attempted' as const, reason: 'no file' },
      similarity: null,
      notes: [],
      durationMs: 0,
      tests: report,
    });
    const report = buildReport({
      candidate: { name: 'x', path: '/x', kind: 'candidate' },
      gradings: [grading('a', tests(6, 6)), grading('b', tests(4, 14)), grading('c', undefined)],
      grader: { version: '0', node: 'v20', platform: 'linux', isolation: 'namespaces' },
      assessment: {
        file: 'a.json',
        candidate: null,
        interviewer: null,
        date: null,
        notes: null,
        items: new Map([['testing', { score: 1, notes: 'asked' }]]),
      },
    });
    const item = report.items.find((entry) => entry.id === 'testing')!;
    expect(item).toMatchObject({ status: 'scored', score: 3.21, notes: 'asked' });
    expect(item.evidence.map((entry) => [entry.kata, entry.earned, entry.max])).toEqual([
      ['a', 6, 6],
      ['b', 4, 14],
    ]);
    expect(report.warnings.join('\n')).toMatch(
      /the assessment scores "testing", which the candidate's own tests already scored/,
    );
    const failed = buildReport({
      candidate: { name: 'x', path: '/x', kind: 'candidate' },
      gradings: [grading('a', tests(6, 6)), grading('b', tests(0, 14, 'failed'))],
      grader: { version: '0', node: 'v20', platform: 'linux', isolation: 'namespaces' },
    });
    expect(failed.items.find((entry) => entry.id === 'testing')!.score).toBe(2.5);
    expect(checklistItem('testing').mode).toBe('candidate-tests');
  });
});
