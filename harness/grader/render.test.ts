import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { harnessRoot } from '../catalog/catalog.ts';
import { createPalette } from '../commands/palette.ts';
import { parseAssessment } from './assessment.ts';
import { renderCsv } from './render/csv.ts';
import { renderBatchMarkdown, renderMarkdown } from './render/markdown.ts';
import { renderBatch, renderScorecard, WIDTH } from './render/terminal.ts';
import { unbroken, visibleLength, wrap } from './render/text.ts';
import { BATCH_SCHEMA, SCHEMA_VERSION, type BatchReport, type GradeReport } from './report.ts';
import { validate, type Schema } from './schema-check.ts';
import { buildReport, rankCandidates, type KataGrading } from './score.ts';
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
  rankedOn: 'graded-katas',
  katasGiven: false,
  ranking: [
    {
      rank: 1,
      name: 'alice',
      score: 10,
      max: 24,
      percent: 41.7,
      checklist: 12,
      criticalFlags: 2,
      majorFlags: 0,
      attempted: ['seat-reservation', 'copied', 'retry-backoff'],
      similarToReference: [{ kata: 'copied', verdict: 'nearly-identical' }],
    },
    {
      rank: 2,
      name: '=cmd|bob',
      score: 10,
      max: 24,
      percent: 41.7,
      checklist: 12,
      criticalFlags: 2,
      majorFlags: 0,
      attempted: ['seat-reservation', 'copied', 'retry-backoff'],
      similarToReference: [{ kata: 'copied', verdict: 'nearly-identical' }],
    },
  ],
  similarPairs: [{ kata: 'copied', candidates: ['alice', '=cmd|bob'], verdict: 'identical', exact: 1, structure: 1 }],
};

/** Lines wider than `width`, leaving out a line that holds one command alone (never split, so it may run over). */
function overWidth(text: string, width: number): string[] {
  return text
    .split('\n')
    .filter(
      (line) => visibleLength(line) > width && !/^\s+(npx )?kata \S+/.test(line.replace(/\u001b\[[0-9;]*m/g, '')),
    );
}

const npx = { invocation: 'npx kata' };

describe('the terminal scorecard', () => {
  const plain = renderScorecard(single, createPalette(false), npx);

  test('fits 80 columns', () => {
    const over = [...overWidth(plain, WIDTH), ...overWidth(renderBatch(batch, createPalette(false), npx), WIDTH)];
    expect(over).toEqual([]);
  });

  test('fits 80 columns with colour too, and has no colour codes without it', () => {
    const colour = renderScorecard(single, createPalette(true), npx);
    expect(colour).toMatch(/\u001b\[/);
    expect(overWidth(colour, WIDTH)).toEqual([]);
    expect(plain).not.toMatch(/\u001b\[/);
  });

  test.each([60, 120])('wraps to a terminal %i columns wide', (width) => {
    const text = renderScorecard(single, createPalette(false), { ...npx, width });
    expect(overWidth(text, width)).toEqual([]);
    expect(text).toContain('─'.repeat(width));
  });

  test("prints a grading failure's replay whole, indented under its check, with --candidate and --thorough", () => {
    const lines = plain.split('\n');
    const command =
      'npx kata test seat-reservation --candidate /candidates/alice --only one-winner --seed=-1945938457 --thorough';
    const at = lines.findIndex((line) => line.trim() === command);
    expect(lines[at - 1]).toBe('        replay:');
    expect(lines[at]).toBe(`          ${command}`);
  });

  test('keeps the code frame of a compile error line for line, once', () => {
    const frame = ['  3 │   return a.split("" ;', '    │                    ^'];
    const reason = `katas/anagram/index.ts does not compile: Expected ")" but found ";" (katas/anagram/index.ts:3:21)\n\n${frame.join('\n')}`;
    const check = fakeCheck('classic-examples', 'api-design', 2);
    const text = renderScorecard(
      buildReport({
        candidate: { name: 'cy', path: '/candidates/cy', kind: 'candidate' },
        gradings: [
          {
            ...grading('anagram', {
              kind: 'ran',
              run: fakeRun('anagram', [failed(check, reason.split('\n')[0]!, 'load')], {
                status: 'error',
                loadError: reason,
                loadKind: 'compile',
              }),
            }),
            checks: [check],
          },
        ],
        grader: graderInfo,
      }),
      createPalette(false),
      npx,
    );
    for (const line of frame) expect(text.split('\n')).toContain(`        ${line}`);
    expect(text.split('does not compile').length - 1).toBe(1);
  });

  test('shows the totals, each kata, the evidence, the flags and what to ask', () => {
    for (const expected of [
      'Automated checks  8 of 24 points (33.3%) · 3 of 4 katas attempted',
      'disqualified',
      'not attempted',
      'Checks that did not pass',
      'one-winner (race-conditions, 3 pts)',
      'CRITICAL No concurrency handling: Will fail in production.',
      'nearly identical to solutions/copied/index.ts',
      'for the interviewer',
      'About the checks that failed',
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
    expect(Object.keys(kata.redFlags[0]!)).toEqual(expect.arrayContaining(['id', 'severity', 'evidence']));
    expect(Object.keys(single.items[0]!)).toEqual(expect.arrayContaining(['id', 'category', 'score', 'max', 'mode']));
  });
});

describe('one count of red flags', () => {
  // One kata, one flag proved by two checks: every view must say 1.
  const two = [
    fakeCheck('one-winner', 'race-conditions', 3, 'no-concurrency-handling'),
    fakeCheck('no-lost-updates', 'race-conditions', 1, 'no-concurrency-handling'),
  ];
  const flagged = buildReport({
    candidate: { name: 'dee', path: '/candidates/dee', kind: 'candidate' },
    gradings: [
      {
        ...grading('seat-reservation', {
          kind: 'ran',
          run: fakeRun('seat-reservation', [failed(two[0]!, 'two seats sold'), failed(two[1]!, 'an update was lost')]),
        }),
        checks: two,
      },
    ],
    grader: graderInfo,
  });
  const { ranked, rankedOn, ranking } = rankCandidates([flagged], false);
  const flaggedBatch: BatchReport = {
    ...batch,
    candidates: ranked.map((entry) => ({ ...entry, name: entry.candidate.name })),
    rankedOn,
    ranking,
    similarPairs: [],
  };

  test('is the number of distinct flags in the kata line, the header, the JSON, the Markdown, the CSV and the batch table', () => {
    const terminal = renderScorecard(flagged, createPalette(false), npx);
    expect(terminal).toMatch(/seat-reservation .* failed · 1 red flag$/m);
    expect(terminal).toContain('Red flags         1 red flag: 1 critical · 0 major');
    expect(flagged.katas[0]!.redFlags).toHaveLength(1);
    expect(flagged.redFlags).toHaveLength(1);
    expect(renderMarkdown(flagged)).toMatch(/\| seat-reservation \| .* \| 1 \|$/m);
    expect(renderCsv(flaggedBatch).split('\r\n')[1]).toMatch(/^1,dee,0,4,0,0,5,1,1,0,/);
    expect(renderBatch(flaggedBatch, createPalette(false), npx)).toMatch(/^ {2}1 {2}dee .* 1 {6}- *$/m);
  });

  test('lists every piece of evidence under its flag in the batch view', () => {
    const text = renderBatch(flaggedBatch, createPalette(false), npx);
    expect(text).toContain('⚑ critical No concurrency handling');
    expect(text).toContain('- seat-reservation/one-winner: two seats sold');
    expect(text).toContain('- seat-reservation/no-lost-updates: an update was lost');
  });
});

describe('the batch view', () => {
  test('points at the Markdown file it wrote instead of suggesting --markdown', () => {
    const text = renderBatch(batch, createPalette(false), { ...npx, written: { markdown: 'ranking.md' } });
    expect(text).toContain("Each candidate's full scorecard: ranking.md.");
    expect(text).not.toContain('--markdown FILE');
  });

  test('says in the ranking table that a submission is identical to the reference', () => {
    const identical: BatchReport = {
      ...batch,
      ranking: batch.ranking.map((row) => ({
        ...row,
        similarToReference: [{ kata: 'anagram', verdict: 'identical' }],
      })),
    };
    const lines = renderBatch(identical, createPalette(false), npx).split('\n');
    const row = lines.findIndex((line) => /^ {2}1 {2}alice/.test(line));
    expect(lines[row + 1]!.trim()).toBe('anagram identical to the reference');
  });

  test('says plainly that candidates who attempted different katas are ranked on what each attempted', () => {
    const text = renderBatch({ ...batch, rankedOn: 'attempted-katas' }, createPalette(false), npx);
    expect(text.replace(/\s+/g, ' ')).toContain(
      'These candidates attempted different katas and --kata was not given: each is ranked on the katas they attempted',
    );
  });
});

test('wrapping breaks JSON evidence between values, never inside a string', () => {
  const evidence =
    'impl failed for [[{"kind":"finish","pick":0,"fails":false},{"kind":"publish","topic":"a b"}]] (seed -5)';
  const lines = wrap(evidence, 30, '  ', '    ');
  expect(lines.every((line) => visibleLength(line) <= 30)).toBe(true);
  for (const line of lines) expect((line.match(/"/g) ?? []).length % 2, line).toBe(0);
  expect(lines.join(' ').replace(/\s+/g, ' ')).toContain('"a b"');
});

test('wrapping never splits a command, even one longer than a line', () => {
  const command = 'npx kata test pubsub --candidate /somewhere/far --only ordered-delivery-1000 --seed=-1508925458';
  const lines = wrap(`Next: run ${unbroken(command)} to see it again.`, 40, '');
  expect(lines).toContain(command);
});

test('wrapping never exceeds its width, even for a word longer than a line', () => {
  const lines = wrap(`short ${'x'.repeat(200)} words after`, 40, '  - ', '    ');
  expect(lines.every((line) => visibleLength(line) <= 40)).toBe(true);
  expect(lines.join('').replace(/[\s-]/g, '')).toBe(`short${'x'.repeat(200)}wordsafter`);
});
