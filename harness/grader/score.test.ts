import { describe, expect, test } from 'vitest';
import { checklistItems } from '../checklist.ts';
import { parseAssessment } from './assessment.ts';
import { buildReport, kataReport, rankCandidates, type KataGrading } from './score.ts';
import { failed, fakeCheck, fakeKata, fakeRun, graderInfo, passed } from './testing/fakes.ts';

const candidate = { name: 'alice', path: '/candidates/alice', kind: 'candidate' as const };

const race1 = fakeCheck('one-winner', 'race-conditions', 3, 'no-concurrency-handling');
const race2 = fakeCheck('no-lost-updates', 'race-conditions', 1, 'no-concurrency-handling');
const api = fakeCheck('rejects-bad-input', 'code-error-handling', 1, 'no-error-handling');
const ordered = fakeCheck('ordered-delivery', 'race-conditions', 2);

function grading(slug: string, checks: KataGrading['checks'], verdict: KataGrading['verdict']): KataGrading {
  return { kata: fakeKata(slug), checks, verdict, similarity: null, notes: [], durationMs: 1234 };
}

const seats = grading('seats', [race1, race2, api], {
  kind: 'ran',
  run: fakeRun('seats', [
    failed(race1, '2 of 1000 concurrent reservations of seat A1 succeeded'),
    passed(race2),
    passed(api),
  ]),
});
const pubsub = grading('pubsub', [ordered], { kind: 'ran', run: fakeRun('pubsub', [passed(ordered)]) });
const untouched = grading('rbac', [fakeCheck('tenant-isolation', 'security', 4, 'security-vulnerability')], {
  kind: 'not-attempted',
  reason: 'katas/rbac/index.ts is identical to the stub',
});

describe('a kata', () => {
  test('scores the points of its passed checks out of the points of all of them', () => {
    const report = kataReport(seats);
    expect([report.score, report.max, report.checksPassed, report.checksTotal]).toEqual([2, 5, 2, 3]);
    expect(report.status).toBe('partial');
    expect(report.checks.map((check) => [check.id, check.points, check.earned, check.status])).toEqual([
      ['one-winner', 3, 0, 'failed'],
      ['no-lost-updates', 1, 1, 'passed'],
      ['rejects-bad-input', 1, 1, 'passed'],
    ]);
  });

  test('raises the red flag of a failing check with its reason as evidence', () => {
    expect(kataReport(seats).redFlags).toEqual([
      {
        id: 'no-concurrency-handling',
        severity: 'critical',
        title: 'No concurrency handling',
        evidence: [{ check: 'one-winner', message: '2 of 1000 concurrent reservations of seat A1 succeeded' }],
      },
    ]);
  });

  test('lists a flag two checks prove once, with both pieces of evidence under it', () => {
    const run = fakeRun('seats', [failed(race1, 'two seats sold'), failed(race2, 'an update was lost'), passed(api)]);
    const report = kataReport(grading('seats', [race1, race2, api], { kind: 'ran', run }));
    expect(report.redFlags.map((flag) => [flag.id, flag.evidence.map((entry) => entry.check)])).toEqual([
      ['no-concurrency-handling', ['one-winner', 'no-lost-updates']],
    ]);
  });

  test('a check the code broke as a program (a ReferenceError) fails but raises no red flag', () => {
    const run = fakeRun('seats', [
      failed(race1, 'the code threw ReferenceError: seat is not defined', 'exception'),
      passed(race2),
      passed(api),
    ]);
    const report = kataReport(grading('seats', [race1, race2, api], { kind: 'ran', run }));
    expect(report.checks[0]).toMatchObject({ status: 'failed', earned: 0, cause: 'exception' });
    expect(report.redFlags).toEqual([]);
  });

  test('a file that lacks an export of the stub is one error finding: 0 points, no red flags', () => {
    const reason = 'katas/seats/index.ts does not export a function createSeatService (it exports makeSeats)';
    const run = fakeRun(
      'seats',
      [race1, race2, api].map((check) => failed(check, reason, 'load')),
      { status: 'error', loadError: reason, loadKind: 'exports' },
    );
    const report = kataReport(grading('seats', [race1, race2, api], { kind: 'ran', run }));
    expect([report.status, report.score, report.reason, report.redFlags]).toEqual(['error', 0, reason, []]);
  });

  test('not attempted is 0 points, no failure and no red flag', () => {
    const report = kataReport(untouched);
    expect([report.status, report.score, report.max]).toEqual(['not-attempted', 0, 4]);
    expect(report.checks.every((check) => check.status === 'not-attempted')).toBe(true);
    expect(report.redFlags).toEqual([]);
  });

  test('a module that could not load is an error on every check, and proves no red flag', () => {
    const run = fakeRun(
      'seats',
      [race1, race2, api].map((check) => failed(check, 'katas/seats/index.ts failed to load: boom', 'load')),
      {
        loadError: 'katas/seats/index.ts failed to load: boom',
      },
    );
    const report = kataReport(grading('seats', [race1, race2, api], { kind: 'ran', run }));
    expect(report.status).toBe('error');
    expect(report.reason).toBe('katas/seats/index.ts failed to load: boom');
    expect(report.checks.every((check) => check.status === 'error' && check.earned === 0)).toBe(true);
    expect(report.redFlags).toEqual([]);
  });

  test('a run that tampered with the test framework counts for nothing', () => {
    const reason = 'no result counts: the test framework was tampered with (expect(1).toBe(2) passed)';
    const run = fakeRun(
      'seats',
      [race1, race2, api].map((check) => ({ check, status: 'missing' as const, reason, cause: 'tampered' as const })),
      { integrity: 'tampered' },
    );
    const report = kataReport(grading('seats', [race1, race2, api], { kind: 'ran', run }));
    expect([report.status, report.score, report.reason]).toEqual(['error', 0, reason]);
  });

  test('a disqualified kata keeps its reason on every check', () => {
    const reason = 'index.ts imports "p-retry", a package the grader does not provide';
    const report = kataReport(grading('seats', [race1, api], { kind: 'disqualified', reason }));
    expect(report.status).toBe('disqualified');
    expect(report.checks.map((check) => [check.status, check.message])).toEqual([
      ['error', reason],
      ['error', reason],
    ]);
  });

  test('drops assertion-library boilerplate from messages', () => {
    const run = fakeRun('pubsub', [
      failed(ordered, 'PropertyFailure: expected 1 to be 2 // Object.is equality (seed 7)'),
    ]);
    const report = kataReport(grading('pubsub', [ordered], { kind: 'ran', run }));
    expect(report.checks[0]!.message).toBe('expected 1 to be 2 (seed 7)');
  });

  test('says when a check that blocked or crashed made the checks run again', () => {
    const run = fakeRun('pubsub', [passed(ordered)], { attempts: 2 });
    expect(kataReport(grading('pubsub', [ordered], { kind: 'ran', run })).notes[0]).toMatch(/started 2 times/);
  });
});

describe('the checklist', () => {
  const report = buildReport({ candidate, gradings: [seats, pubsub, untouched], grader: graderInfo });
  const item = (id: string) => report.items.find((entry) => entry.id === id)!;

  test('gives each kata that checks an item an equal say in its score', () => {
    // seats: 1 of 4 race-conditions points; pubsub: 2 of 2. 5 × (0.25 + 1) / 2 = 3.125.
    expect(item('race-conditions')).toMatchObject({ status: 'scored', score: 3.13, max: 5 });
    expect(item('race-conditions').evidence).toEqual([
      { kata: 'seats', earned: 1, max: 4, checksPassed: 1, checksTotal: 2 },
      { kata: 'pubsub', earned: 2, max: 2, checksPassed: 1, checksTotal: 1 },
    ]);
    expect(item('code-error-handling')).toMatchObject({ status: 'scored', score: 5 });
  });

  test('leaves an item no attempted kata checks not assessed, never 0 of 5', () => {
    // Only the kata not attempted checks security.
    expect(item('security')).toMatchObject({ status: 'not-assessed', score: null });
    expect(item('locking')).toMatchObject({ status: 'not-assessed', score: null });
  });

  test('leaves the interviewer items to the interviewer, with their questions', () => {
    // Testing considerations too: this candidate wrote no tests.
    const interviewer = report.items.filter((entry) => entry.mode !== 'automated');
    expect(interviewer.length).toBe(6);
    for (const entry of interviewer) {
      expect(entry.status).toBe('for-interviewer');
      expect(entry.score).toBeNull();
      expect(entry.questions.length).toBeGreaterThan(0);
    }
  });

  test('adds up the totals', () => {
    expect(report.total).toEqual({ score: 4, max: 11, percent: 36.4 });
    expect(report.attempted).toEqual({ score: 4, max: 7, percent: 57.1, katas: 2 });
    expect(report.checklist).toEqual({ score: 8.13, max: 100, assessedMax: 10 });
    const concurrency = report.categories.find((category) => category.id === 'concurrency-integrity')!;
    expect(concurrency).toMatchObject({ score: 3.13, max: 25, assessedMax: 5 });
  });

  test('gathers each red flag with all its evidence, critical first', () => {
    expect(
      report.redFlags.map((flag) => [flag.id, flag.evidence.map((entry) => `${entry.kata}/${entry.check}`)]),
    ).toEqual([['no-concurrency-handling', ['seats/one-winner']]]);
  });

  test('asks about each check that failed on behaviour, from its evidence', () => {
    const failing = report.followUps.filter((entry) => entry.source === 'failed-check');
    expect(failing.map((entry) => [entry.kata, entry.check])).toEqual([['seats', 'one-winner']]);
    expect(failing[0]!.question).toContain('"one-winner works" did not hold');
  });

  test("never asks a checklist item's generic questions because one of its checks failed", () => {
    const questions = report.followUps.map((entry) => entry.question);
    for (const generic of checklistItems.find((entry) => entry.id === 'race-conditions')!.questions) {
      expect(questions).not.toContain(generic);
    }
  });

  test("asks a kata's own follow-ups only when its code works, at least in part", () => {
    const broken = grading('anagram', [api], { kind: 'ran', run: fakeRun('anagram', [failed(api, 'no TypeError')]) });
    const asked = buildReport({ candidate, gradings: [seats, pubsub, broken], grader: graderInfo })
      .followUps.filter((entry) => entry.source === 'kata')
      .map((entry) => entry.kata);
    expect([...new Set(asked)]).toEqual(['seats', 'pubsub']);
  });

  test('drops a follow-up that states a benchmark result grading never measured', () => {
    const bench = 'The benchmark shows your publish is several times slower than EventEmitter.emit. Why?';
    const kata = { ...fakeKata('pubsub', [bench, 'What would you change?']) };
    const run = fakeRun('pubsub', [passed(ordered)]);
    const asked = buildReport({
      candidate,
      gradings: [
        { kata, checks: [ordered], verdict: { kind: 'ran', run }, similarity: null, notes: [], durationMs: 1 },
      ],
      grader: graderInfo,
    }).followUps.map((entry) => entry.question);
    expect(asked).toContain('What would you change?');
    expect(asked).not.toContain(bench);
  });

  test('asks the questions of an interviewer item only when an attempted kata exercises it', () => {
    const schema = fakeKata('seats');
    const withDatabase = { ...schema, manifest: { ...schema.manifest, checklistItems: ['database-design' as const] } };
    const asked = (kata: typeof schema) =>
      buildReport({ candidate, gradings: [{ ...seats, kata }], grader: graderInfo })
        .followUps.filter((entry) => entry.source === 'interviewer-item')
        .map((entry) => entry.item);
    expect(asked(schema)).toEqual([]);
    expect(new Set(asked(withDatabase))).toEqual(new Set(['database-design']));
  });

  test('grading untouched stubs gives 0 and assesses nothing', () => {
    const stubs = buildReport({ candidate, gradings: [untouched], grader: graderInfo });
    expect(stubs.total.score).toBe(0);
    expect(stubs.checklist).toEqual({ score: 0, max: 100, assessedMax: 0 });
    expect(stubs.redFlags).toEqual([]);
  });
});

describe('the assessment', () => {
  const assessment = parseAssessment(
    JSON.stringify({
      interviewer: 'Sam',
      items: {
        'technology-choices': { score: 4, notes: 'chose SQLite row locks, explained the trade-off' },
        'clean-code': { score: 2.5, notes: '' },
        locking: { score: 3, notes: 'whiteboard: advisory locks with a lease' },
        'race-conditions': { score: 5, notes: 'tried to overrule the checks' },
      },
    }),
    'assessment.json',
  );
  // A kata that exercises two interviewer items, so their questions are asked until they are scored.
  const seatsKata = fakeKata('seats');
  const exercising = {
    ...seats,
    kata: {
      ...seatsKata,
      manifest: { ...seatsKata.manifest, checklistItems: ['technology-choices' as const, 'monitoring' as const] },
    },
  };
  const report = buildReport({ candidate, gradings: [exercising, pubsub], assessment, grader: graderInfo });
  const item = (id: string) => report.items.find((entry) => entry.id === id)!;

  test('scores the interviewer items it fills in', () => {
    expect(item('technology-choices')).toMatchObject({
      status: 'assessed',
      score: 4,
      notes: 'chose SQLite row locks, explained the trade-off',
    });
    expect(item('clean-code')).toMatchObject({ status: 'assessed', score: 2.5, notes: null });
    expect(item('monitoring')).toMatchObject({ status: 'for-interviewer', score: null });
  });

  test('may score an automated item no kata checked', () => {
    expect(item('locking')).toMatchObject({ status: 'assessed', score: 3 });
  });

  test('never overrules what the checks proved, and says so', () => {
    expect(item('race-conditions')).toMatchObject({ status: 'scored', score: 3.13 });
    expect(report.warnings.join('\n')).toMatch(/scores "race-conditions", which the checks already scored/);
  });

  test('counts towards the checklist total', () => {
    expect(report.checklist).toEqual({ score: 3.13 + 5 + 4 + 2.5 + 3, max: 100, assessedMax: 25 });
    expect(report.assessment).toMatchObject({ file: 'assessment.json', interviewer: 'Sam' });
  });

  test('drops the interviewer items it scored from the questions still to ask', () => {
    const asked = report.followUps.filter((entry) => entry.source === 'interviewer-item').map((entry) => entry.item);
    expect(asked).not.toContain('technology-choices');
    expect(asked).toContain('monitoring');
  });
});

describe('a batch', () => {
  const solved = (slug: string, name: string) =>
    buildReport({
      candidate: { name, path: `/candidates/${name}`, kind: 'candidate' },
      gradings: [
        grading(slug, [ordered], { kind: 'ran', run: fakeRun(slug, [passed(ordered)]) }),
        grading(slug === 'pubsub' ? 'anagram' : 'pubsub', [race1, race2, api], {
          kind: 'not-attempted',
          reason: 'identical to the stub',
        }),
      ],
      grader: graderInfo,
    });

  test('ranks candidates who attempted different katas on what each attempted, when --kata was not given', () => {
    const { rankedOn, ranking } = rankCandidates([solved('pubsub', 'ada'), solved('anagram', 'bo')], false);
    expect(rankedOn).toBe('attempted-katas');
    expect(ranking.map((row) => [row.name, row.percent, row.attempted])).toEqual([
      ['ada', 100, ['pubsub']],
      ['bo', 100, ['anagram']],
    ]);
  });

  test('ranks everyone on the graded katas when --kata names them', () => {
    const { rankedOn, ranking } = rankCandidates([solved('pubsub', 'ada'), solved('anagram', 'bo')], true);
    expect(rankedOn).toBe('graded-katas');
    expect(ranking.map((row) => [row.name, row.score, row.max])).toEqual([
      ['ada', 2, 7],
      ['bo', 2, 7],
    ]);
  });

  test('counts distinct red flags, as the scorecard does', () => {
    const run = fakeRun('seats', [failed(race1, 'two seats sold'), failed(race2, 'an update was lost'), passed(api)]);
    const flagged = buildReport({
      candidate,
      gradings: [grading('seats', [race1, race2, api], { kind: 'ran', run })],
      grader: graderInfo,
    });
    expect(rankCandidates([flagged], false).ranking[0]).toMatchObject({ criticalFlags: 1, majorFlags: 0 });
  });
});

test('every checklist item appears in every report, in checklist order', () => {
  const report = buildReport({ candidate, gradings: [], grader: graderInfo });
  expect(report.items.map((entry) => entry.id)).toEqual(checklistItems.map((entry) => entry.id));
});
