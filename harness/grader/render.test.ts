import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { harnessRoot } from '../catalog/catalog.ts';
import { createPalette } from '../commands/palette.ts';
import { parseAssessment } from './assessment.ts';
import { renderCsv } from './render/csv.ts';
import { renderBatchMarkdown, renderMarkdown } from './render/markdown.ts';
import { renderBatch, renderScorecard, WIDTH } from './render/terminal.ts';
import { visibleLength, wrap } from './render/text.ts';
import { BATCH_SCHEMA, SCHEMA_VERSION, type BatchReport, type GradeReport } from './report.ts';
import { validate, type Schema } from './schema-check.ts';
import { buildReport, type KataGrading } from './score.ts';
import { failed, fakeCheck, fakeKata, fakeRun, graderInfo, passed } from './testing/fakes.ts';

const long =
  'isAnagram("Tom Marvolo Riddle", "I am Lord Voldemort"): expected false to be true for [["a very long counterexample that keeps going", "and going"]] (seed -1945938457, after 1 case(s), 10 shrink(s))';
const checks = {
  race: fakeCheck('one-winner', 'race-conditions', 3, 'no-concurrency-handling'),
  errors: fakeCheck(
    'a-check-with-a-rather-long-identifier-for-wrapping',
    'code-error-handling',
    1,
    'no-error-handling',
  ),
  api: fakeCheck('classic-examples', 'api-design', 2),
};

function grading(slug: string, verdict: KataGrading['verdict'], list = Object.values(checks)): KataGrading {
  return {
    kata: fakeKata(slug),
    checks: list,
    verdict,
    similarity:
      slug === 'copied'
        ? { verdict: 'nearly-identical', reference: 'solutions/copied/index.ts', exact: 0.91, structure: 0.97 }
        : null,
    notes: slug === 'copied' ? ['index.ts loads a module whose name is computed at run time'] : [],
    durationMs: 2000,
  };
}

function report(name: string): GradeReport {
  return buildReport({
    candidate: { name, path: `/candidates/${name}`, kind: 'candidate' },
    gradings: [
      grading('seat-reservation', {
        kind: 'ran',
        run: fakeRun('seats', [
          { ...failed(checks.race, long), seed: -1945938457 },
          failed(checks.errors, 'isAnagram(a, null): the message should say what was received | with a pipe'),
          passed(checks.api),
        ]),
      }),
      grading('copied', { kind: 'ran', run: fakeRun('copied', Object.values(checks).map(passed)) }),
      grading('retry-backoff', {
        kind: 'disqualified',
        reason: 'index.ts imports "p-retry", a package the grader does not provide',
      }),
      grading('rbac', { kind: 'not-attempted', reason: 'there is no katas/rbac/index.ts' }),
    ],
    assessment: parseAssessment(
      JSON.stringify({ interviewer: 'Sam', items: { testing: { score: 3, notes: 'ok' } } }),
      'a.json',
    ),
    grader: graderInfo,
    warnings: ["the grader's own file harness/kit/spec.ts changed while candidate code ran; it was restored"],
  });
}

const single = report('alice');
const batch: BatchReport = {
  schema: BATCH_SCHEMA,
  schemaVersion: SCHEMA_VERSION,
  generatedAt: single.generatedAt,
  grader: graderInfo,
  candidates: [single, report('=cmd|bob')].map((entry) => ({ ...entry, name: entry.candidate.name })),
  ranking: [
    { rank: 1, name: 'alice', score: 10, max: 24, percent: 41.7, checklist: 12, criticalFlags: 2, majorFlags: 0 },
    { rank: 2, name: '=cmd|bob', score: 10, max: 24, percent: 41.7, checklist: 12, criticalFlags: 2, majorFlags: 0 },
  ],
  similarPairs: [{ kata: 'copied', candidates: ['alice', '=cmd|bob'], verdict: 'identical', exact: 1, structure: 1 }],
};

describe('the terminal scorecard', () => {
  const plain = renderScorecard(single, createPalette(false));

  test('fits 80 columns', () => {
    const over = [...plain.split('\n'), ...renderBatch(batch, createPalette(false)).split('\n')].filter(
      (line) => visibleLength(line) > WIDTH,
    );
    expect(over).toEqual([]);
  });

  test('fits 80 columns with colour too, and has no colour codes without it', () => {
    const colour = renderScorecard(single, createPalette(true));
    expect(colour).toMatch(/\u001b\[/);
    expect(colour.split('\n').filter((line) => visibleLength(line) > WIDTH)).toEqual([]);
    expect(plain).not.toMatch(/\u001b\[/);
  });

  test('shows the totals, each kata, the evidence, the flags and what to ask', () => {
    for (const expected of [
      'Automated checks  8 of 24 points (33.3%) · 3 of 4 katas attempted',
      'disqualified',
      'not attempted',
      'Checks that did not pass',
      'one-winner (race-conditions, 3 pts)',
      'replay: kata test seat-reservation --only one-winner --seed -1945938457',
      'CRITICAL No concurrency handling: Will fail in production.',
      'nearly identical to solutions/copied/index.ts',
      'for the interviewer',
      'Suggested by the failures',
      'changed while candidate code ran',
    ]) {
      expect(plain).toContain(expected);
    }
  });
});

describe('the Markdown report', () => {
  const markdown = renderMarkdown(single);

  test('has the sections of a hiring packet', () => {
    for (const heading of [
      '# Scorecard: alice',
      '## Katas',
      '## Checks that did not pass',
      '## Red flags',
      '## Evaluation checklist',
      '## Questions to ask',
      '## Notes',
    ]) {
      expect(markdown).toContain(heading);
    }
  });

  test('escapes table cells', () => {
    expect(markdown).toContain('received \\| with a pipe');
  });

  test('writes the batch ranking before each candidate', () => {
    const text = renderBatchMarkdown(batch);
    expect(text.indexOf('| 1 | alice |')).toBeLessThan(text.indexOf('## Scorecard: alice'));
  });
});

describe('the CSV ranking', () => {
  const csv = renderCsv(batch);
  const rows = csv.trimEnd().split('\r\n');

  test('has a header, one row per candidate and a column trio per kata', () => {
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^rank,candidate,score,max,percent,checklist,.*,copied_score,copied_max,copied_status,/);
    expect(rows[1]).toMatch(/^1,alice,10,24,41\.7,/);
  });

  test('quotes what needs quoting and defuses spreadsheet formulas', () => {
    expect(rows[2]).toMatch(/^2,'=cmd\|bob,/);
  });
});

describe('the JSON report', () => {
  const schema = JSON.parse(readFileSync(join(harnessRoot, 'harness/grader/report.schema.json'), 'utf8')) as Schema;
  const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

  test('a single report conforms to the published schema', () => {
    expect(validate(schema, roundTrip(single))).toEqual([]);
  });

  test('a batch conforms to the published schema', () => {
    expect(validate(schema, roundTrip(batch))).toEqual([]);
  });

  test('the schema notices a report that breaks it', () => {
    const broken = roundTrip(single) as unknown as { katas: { status: string }[]; total: unknown };
    broken.katas[0]!.status = 'great';
    delete (broken as { total?: unknown }).total;
    expect(validate(schema, broken).join('\n')).toMatch(/missing "total"|is not one of/);
  });

  test('carries at least the fields the issue names', () => {
    const kata = single.katas[0]!;
    expect(Object.keys(single.total)).toEqual(expect.arrayContaining(['score', 'max']));
    expect(Object.keys(kata)).toEqual(expect.arrayContaining(['slug', 'score', 'max', 'status', 'checks', 'redFlags']));
    expect(Object.keys(kata.checks[0]!)).toEqual(
      expect.arrayContaining(['id', 'item', 'points', 'earned', 'status', 'message']),
    );
    expect(Object.keys(kata.redFlags[0]!)).toEqual(expect.arrayContaining(['id', 'severity', 'message']));
    expect(Object.keys(single.items[0]!)).toEqual(expect.arrayContaining(['id', 'category', 'score', 'max', 'mode']));
  });
});

test('wrapping never exceeds its width, even for a word longer than a line', () => {
  const lines = wrap(`short ${'x'.repeat(200)} words after`, 40, '  - ', '    ');
  expect(lines.every((line) => visibleLength(line) <= 40)).toBe(true);
  expect(lines.join('').replace(/[\s-]/g, '')).toBe(`short${'x'.repeat(200)}wordsafter`);
});
