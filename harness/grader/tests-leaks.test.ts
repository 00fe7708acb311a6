/**
 * The candidate never receives the gallery's source, or the reference's, through their own tests
 * (issue 22): each suite of testing/suites/ reads the run's target (Function.prototype.toString,
 * vite's `?raw` and `import.meta.glob`, the file system through process.getBuiltinModule) and
 * tries every way out (the console, test names, describe blocks, thrown errors, assertion
 * messages, errors worded like the runner's own, paths it loads, files it writes, snapshots), and
 * no report, JSON, Markdown, scorecard or `kata test --mine` text holds any of it. Then the
 * hostile test that starts processes: it changes nothing but its own score and leaves nothing
 * running. Each candidate's own code is correct and worded unlike the reference, so what the
 * reports show of their own runs is never mistaken for the reference.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findKata } from '../catalog/catalog.ts';
import { renderMine } from '../commands/mine-report.ts';
import { createPalette } from '../commands/palette.ts';
import { namespacesWork } from '../runner/sandbox/isolation.ts';
import { grade, type GradeOptions, type GradeResult, type GradeTarget } from './grade.ts';
import { buildGraderTree, writeSuiteCandidate } from './hostile/fixture.ts';
import { renderMarkdown } from './render/markdown.ts';
import { renderScorecard } from './render/terminal.ts';
import type { GradeReport, TestsReport } from './report.ts';

const LIMITS: GradeOptions['limits'] = {
  timeoutCapMs: 1500,
  graceMs: 500,
  loadTimeoutMs: 10_000,
  memoryLimitMb: 600,
  heapLimitMb: 192,
};

const here = join(import.meta.dirname, 'testing', 'suites');
const base = mkdtempSync(join(tmpdir(), 'kata-own-leaks-'));
const graderRoot = buildGraderTree(join(base, 'grader'), ['clamp']);
/** A folder every run could write, outside the private /tmp of each: a channel between runs, closed by namespaces. */
const shared = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/kata-own-leaks-') : join(base, 'shared');
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
  rmSync(shared, { recursive: true, force: true });
});

/** Text of the reference and of the wrong files (their code, their messages, their names). */
const SECRETS = [
  'clamp takes',
  'takes numbers',
  'is greater than max',
  'Math.round',
  'Math.min(',
  'Math.max(',
  'reallyExit(1)',
  'index.bundle',
  'wrong/',
  'rounds-inside',
  'no-upper-bound',
  'no-lower-bound',
  'loops-on-equal',
  'exits-on-inverted',
  'nan-passes-through',
];

/** Every secret a text holds, as it is and with the " > " between a test's describe blocks taken out. */
function leaked(text: string): string[] {
  const joined = text.replaceAll(' > ', '');
  return SECRETS.filter((secret) => text.includes(secret) || joined.includes(secret));
}

function writeLeakCandidate(dir: string, suite: string, solved = true): void {
  const kataDir = join(dir, 'katas', 'clamp');
  mkdirSync(kataDir, { recursive: true });
  if (solved) writeFileSync(join(kataDir, 'index.ts'), readFileSync(join(here, 'own-clamp.ts')));
  const text = readFileSync(join(here, `${suite}.ts`), 'utf8')
    .replaceAll("'../../hostile/fixture/clamp/stub.ts'", "'./index.ts'")
    .replaceAll('__CANDIDATE__', dir)
    .replaceAll('__SHARED__', shared)
    .replaceAll('__BASE__', base);
  writeFileSync(join(kataDir, `${suite}.test.ts`), text);
}

const LEAKS = [
  'leak-to-string',
  'leak-raw-import',
  'leak-computed-import',
  'leak-names',
  'leak-suite-error',
  'leak-stop-text',
  'leak-writes-file',
  'leak-snapshot',
  'leak-inline-snapshot',
] as const;

function targetsFor(names: readonly string[], folder: string): GradeTarget[] {
  return names.map((name) => {
    const dir = join(base, folder, name);
    writeLeakCandidate(dir, name);
    return { name, kind: 'candidate', dir };
  });
}

function lingering(): string[] {
  const table = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return table.split('\n').filter((line) => line.includes(base) && !line.includes('ps -eo'));
}

const testsOf = (result: GradeResult, name: string): { report: GradeReport; tests: TestsReport } => {
  const report = result.reports.find((entry) => entry.candidate.name === name)!;
  return { report, tests: report.katas.find((entry) => entry.slug === 'clamp')!.tests! };
};

/** Everything a candidate or an interviewer is shown of one candidate. */
function shown(report: GradeReport, tests: TestsReport): Record<string, string> {
  const palette = createPalette(false);
  return {
    json: JSON.stringify(report),
    markdown: renderMarkdown(report),
    scorecard: renderScorecard(report, palette, { invocation: 'npx kata', width: 100 }),
    mine: renderMine(findKata('clamp', graderRoot), tests, palette, {
      invocation: 'npx kata',
      shownFile: 'katas/clamp/index.ts',
      concurrency: 2,
    }),
  };
}

const context = (tests: TestsReport): string =>
  JSON.stringify({
    ...tests,
    gallery: tests.gallery.map((entry) => [entry.rule, entry.caught, entry.by, entry.reason]),
  });

describe("the candidate's own tests never carry the gallery's source out", () => {
  let result: GradeResult;
  let lingeringAtEnd: string[] = [];

  beforeAll(async () => {
    // Tests without code of their own: the names come from a run on the kata's stub.
    const unsolved = join(base, 'candidates', 'leak-names-no-code');
    writeLeakCandidate(unsolved, 'leak-names', false);
    const failing = join(base, 'candidates', 'fails-reference-no-code');
    writeSuiteCandidate(failing, ['fails-reference'], graderRoot, false);
    const targets: GradeTarget[] = [
      ...targetsFor([...LEAKS, 'forks-child'], 'candidates'),
      { name: 'leak-names-no-code', kind: 'candidate', dir: unsolved },
      { name: 'fails-reference-no-code', kind: 'candidate', dir: failing },
    ];
    result = await grade(targets, {
      graderRoot,
      concurrency: availableParallelism(),
      limits: LIMITS,
    });
    lingeringAtEnd = lingering();
  }, 600_000);

  for (const name of [...LEAKS, 'forks-child']) {
    test(`${name}: no text of the reference or a wrong file in any report`, () => {
      const { report, tests } = testsOf(result, name);
      for (const [format, text] of Object.entries(shown(report, tests))) {
        expect(leaked(text), `${name} (${format}): ${text.slice(0, 3000)}`).toEqual([]);
      }
      // The spec's own grading of their code is untouched by the tests beside it.
      expect(report.katas[0]!.status, context(tests)).toBe('passed');
    });
  }

  test('toString: the text really was read (a test that looks for Math.round catches the rounding file), and their own run is shown', () => {
    const { tests } = testsOf(result, 'leak-to-string');
    expect(tests.status, context(tests)).toBe('passed');
    const rounds = tests.gallery.find((entry) => entry.rule === 'inside-unchanged')!;
    expect(rounds.caught, context(tests)).toBe(true);
    expect(rounds.by).toContain('leak-to-string.test.ts > never rounds');
    // A name computed from the text is not shown, even as what caught a file.
    expect(rounds.by.join('\n')).not.toMatch(/function|=>/);
    // On their own code the messages are theirs, their code's text included.
    expect(tests.own.status).toBe('failing');
    expect(JSON.stringify(tests.own.failures)).toContain('bounds inverted');
  });

  test('?raw and import.meta.glob: the import scan lets them through, the run reads the reference, nothing of it is shown', () => {
    const { tests } = testsOf(result, 'leak-raw-import');
    // "throws the raw text on the gallery" passes on the reference only if the text it read is the reference's.
    expect(tests.status, context(tests)).toBe('passed');
    expect(tests.passedOnReference).toBe(2);
  });

  test('a computed import: the run counts for nothing, and the path it chose is not named', () => {
    const { tests } = testsOf(result, 'leak-computed-import');
    expect(tests.status, context(tests)).toBe('error');
    expect(tests.reason).toMatch(/^on the reference: the tests tried to load \d* ?files? \(not named/);
    expect(tests.share).toBe(0);
  });

  test('names spelled from the text, a character per describe block, are not shown', () => {
    const { tests } = testsOf(result, 'leak-names');
    expect(tests.status, context(tests)).toBe('passed');
    const rounds = tests.gallery.find((entry) => entry.rule === 'inside-unchanged')!;
    // The character-per-block test and the one whose name was chosen by the text caught it (the
    // name cut from minified code differs between bundles); neither is named as the run spelled it.
    expect(rounds, context(tests)).toMatchObject({ caught: true });
    expect(rounds.by, context(tests)).toEqual([
      'leak-names.test.ts > (a test whose name is computed as it runs)',
      'leak-names.test.ts > (a test whose name is computed as it runs)',
    ]);
  });

  test('without code of their own, a run on the stub names the tests, and only the names it collected', () => {
    const names = testsOf(result, 'leak-names-no-code');
    for (const [format, text] of Object.entries(shown(names.report, names.tests))) {
      expect(leaked(text), `leak-names-no-code (${format}): ${text.slice(0, 3000)}`).toEqual([]);
    }
    expect(names.tests, context(names.tests)).toMatchObject({ status: 'passed', own: { status: 'not-run' } });
    expect(names.tests.runs).toBe(8);
    expect(names.tests.gallery.find((entry) => entry.rule === 'inside-unchanged')!.by).toEqual([
      'leak-names.test.ts > (a test whose name is computed as it runs)',
      'leak-names.test.ts > (a test whose name is computed as it runs)',
    ]);
    // A test its source names, failing on the reference, is still named.
    const failing = testsOf(result, 'fails-reference-no-code').tests;
    expect(failing, context(failing)).toMatchObject({
      status: 'failed',
      failingOnReference: ['fails-reference.test.ts > rejects a value outside the bounds'],
      own: { status: 'not-run' },
    });
  });

  test('a describe block named from the text that fails to load is not named', () => {
    const { tests } = testsOf(result, 'leak-suite-error');
    expect(tests.status, context(tests)).toBe('failed');
    expect(tests.failingOnReference).toEqual([
      'leak-suite-error.test.ts > (a test whose name is computed as it runs) (failed to load)',
    ]);
  });

  test("errors worded like the runner's own reasons are never quoted as the grader's", () => {
    const { tests } = testsOf(result, 'leak-stop-text');
    expect(tests.status, context(tests)).toBe('error');
    expect(tests.reason).toBe('cannot be judged on the reference: no test was collected');
  });

  test('a file written by a run against the gallery never reaches the run on their own code', () => {
    const { tests } = testsOf(result, 'leak-writes-file');
    expect(tests.status, context(tests)).toBe('passed');
    // Their own run waited for such a file and found none: it runs before any target it must not see.
    expect(tests.own, context(tests)).toMatchObject({ status: 'passed', passed: 2 });
    // The runs against the gallery did write there, a folder outside the sandbox's private /tmp;
    // with namespaces each run has a /dev/shm of its own, and nothing outlives it.
    if (namespacesWork()) expect(readdirSync(shared)).toEqual([]);
    else expect(readdirSync(shared).length).toBeGreaterThan(0);
  });

  // The candidate folders are read-only in every run (or not there at all, under a private /tmp),
  // wherever the checkout lives: a clone under /tmp, as CI runs, included.
  test.runIf(namespacesWork())('with namespaces, nothing lands in the candidate folder', () => {
    for (const name of [...LEAKS, 'forks-child']) {
      const dir = join(base, 'candidates', name);
      expect(existsSync(join(dir, 'leaked.txt')), name).toBe(false);
      expect(existsSync(join(dir, 'katas', 'clamp', 'leaked.txt')), name).toBe(false);
    }
  });

  test("snapshots: vitest's files stay in the run's tree, and the candidate's files are as they wrote them", () => {
    for (const name of ['leak-snapshot', 'leak-inline-snapshot']) {
      const kataDir = join(base, 'candidates', name, 'katas', 'clamp');
      expect(readdirSync(kataDir).sort(), name).toEqual(['index.ts', `${name}.test.ts`]);
      expect(readFileSync(join(kataDir, `${name}.test.ts`), 'utf8'), name).not.toContain('toMatchInlineSnapshot(`');
    }
    // The inline snapshot rewrites the test file in the run's tree: no run of it counts.
    const inline = testsOf(result, 'leak-inline-snapshot').tests;
    expect(inline.status, context(inline)).toBe('error');
    expect(inline.reason).toMatch(/leak-inline-snapshot\.test\.ts changed while the tests ran/);
  });

  test('a test that starts processes scores what its assertions earn, and leaves nothing running', () => {
    const { tests } = testsOf(result, 'forks-child');
    expect(tests, context(tests)).toMatchObject({ status: 'passed', caught: 2, share: 2 / 6 });
    // Read as the grading ended: every run ends its processes before it returns, so none is alive
    // now and none can write later (the processes were meant to write 3 s after they started).
    expect(lingeringAtEnd).toEqual([]);
    expect(existsSync(join(base, 'candidates', 'forks-child', 'late.txt'))).toBe(false);
  });
});

describe.runIf(namespacesWork())('the same without namespaces (a process group per run)', () => {
  const names = ['leak-to-string', 'leak-names', 'leak-suite-error', 'leak-stop-text', 'forks-child'];
  let result: GradeResult;
  let lingeringAtEnd: string[] = [];

  beforeAll(async () => {
    result = await grade(targetsFor(names, 'fallback'), {
      graderRoot,
      concurrency: availableParallelism(),
      limits: LIMITS,
      isolation: 'process-group',
    });
    lingeringAtEnd = lingering();
  }, 600_000);

  test('no text of the reference or a wrong file in any report', () => {
    expect(result.reports[0]!.grader.isolation).toBe('process-group');
    for (const name of names) {
      const { report, tests } = testsOf(result, name);
      for (const [format, text] of Object.entries(shown(report, tests))) {
        expect(leaked(text), `${name} (${format}): ${text.slice(0, 3000)}`).toEqual([]);
      }
    }
  });

  test('a test that starts processes leaves nothing running', () => {
    const { tests } = testsOf(result, 'forks-child');
    expect(tests, context(tests)).toMatchObject({ status: 'passed', caught: 2 });
    // Without a PID namespace the processes detached into sessions of their own, one of them with
    // its parent gone: the run's marker and the sweep at its end found them all, before it returned.
    expect(lingeringAtEnd).toEqual([]);
    expect(existsSync(join(base, 'fallback', 'forks-child', 'late.txt'))).toBe(false);
  });
});
