/**
 * Scoring: from what happened to each kata to the scorecard.
 *
 * Per kata, score/max is the points (weights) of its passed checks over the points of all its
 * checks. Per checklist item (5 points each):
 * - automated items are scored from the checks mapped to them in the attempted katas. Each kata
 *   that checks the item contributes the share of that item's points it earned within the kata,
 *   and the item scores 5 times the mean of those shares: every kata exercising an item has an
 *   equal say, whatever the number or weight of its checks, and weights only matter within a kata.
 *   An item no attempted kata checks is "not assessed" (no score, no maximum), never 0 of 5.
 * - interviewer items are scored only from the assessment file; without it they are "for the
 *   interviewer", with the questions to ask.
 * - "Testing considerations" (mode candidate-tests) is scored from the candidate's own tests when
 *   they wrote some: per kata with tests and a wrong gallery, the share of the wrong files caught by
 *   a suite that passes on the reference (0 when it does not), and 5 times the mean of those
 *   shares, as the automated items are. Without such a kata it is the interviewer's.
 * Red flags are raised only by behaviour: a check that ran against the loaded code and failed on
 * what the code did (its assertion, a time or memory limit), with the check's one-line reason as
 * evidence. A file that does not compile, lacks an export of the stub or fails to load proves
 * nothing; neither does a check the code broke as a program (a ReferenceError): a bug, not a flag.
 * Each flag counts once per kata and once per report, however many checks prove it.
 */
import {
  categories,
  checklistItems,
  redFlag as redFlagById,
  type ChecklistItem,
  type ChecklistItemId,
  type RedFlagId,
} from '../checklist.ts';
import type { Kata } from '../catalog/catalog.ts';
import type { ResolvedCheck } from '../kit/spec.ts';
import type { CheckOutcome, KataRun } from '../runner/outcomes.ts';
import type { Assessment } from './assessment.ts';
import {
  percent,
  points,
  REPORT_SCHEMA,
  SCHEMA_VERSION,
  type CategoryReport,
  type CheckReport,
  type CheckStatus,
  type FollowUp,
  type GradeReport,
  type GraderInfo,
  type ItemEvidence,
  type ItemReport,
  type KataReport,
  type KataStatus,
  type RaisedRedFlag,
  type RankingRow,
  type BatchReport,
  type RedFlagSummary,
  type SimilarityReport,
  type TestsReport,
} from './report.ts';

/** What happened to one kata of one candidate. */
export type KataVerdict =
  | { readonly kind: 'not-attempted'; readonly reason: string }
  | { readonly kind: 'disqualified'; readonly reason: string }
  | { readonly kind: 'unreadable'; readonly reason: string }
  | { readonly kind: 'ran'; readonly run: KataRun };

export interface KataGrading {
  readonly kata: Kata;
  readonly checks: readonly ResolvedCheck[];
  readonly verdict: KataVerdict;
  readonly similarity: SimilarityReport | null;
  readonly notes: readonly string[];
  readonly durationMs: number;
  /** The candidate's own tests of the kata against its wrong gallery, when they wrote some. */
  readonly tests?: TestsReport | undefined;
}

export interface ReportInput {
  readonly candidate: GradeReport['candidate'];
  readonly gradings: readonly KataGrading[];
  readonly assessment?: Assessment | undefined;
  readonly grader: GraderInfo;
  readonly warnings?: readonly string[];
  readonly generatedAt?: string;
}

/** Statuses of a kata the candidate did not really attempt: they assess no checklist item. */
const UNATTEMPTED: readonly KataStatus[] = ['not-attempted', 'not-started'];

function checkStatus(outcome: CheckOutcome): CheckStatus {
  switch (outcome.status) {
    case 'passed':
      return 'passed';
    case 'not-started':
      return 'not-started';
    case 'failed':
      return outcome.cause === 'load' ? 'error' : 'failed';
    case 'missing':
      return 'error';
  }
}

/** Drops assertion-library boilerplate that says nothing to an interviewer. */
export function readable(message: string): string {
  return message
    .replace(/ \/\/ Object\.is equality/g, '')
    .replace(/^(PropertyFailure|TargetLoadError|TargetShapeError): /, '');
}

/** Causes of a failure that describe what the code did: the only evidence a red flag accepts. */
const BEHAVIOUR: readonly (string | null)[] = ['assertion', 'timeout', 'memory'];

/** Whether a check's failure raises its red flag. */
export function raisesRedFlag(check: CheckReport): boolean {
  return check.status === 'failed' && check.redFlag !== null && BEHAVIOUR.includes(check.cause);
}

function checkReport(
  check: ResolvedCheck,
  status: CheckStatus,
  message: string,
  extras: Partial<Pick<CheckReport, 'cause' | 'seed' | 'durationMs'>> = {},
): CheckReport {
  return {
    id: check.id,
    title: check.title,
    item: check.item,
    points: check.weight,
    earned: status === 'passed' ? check.weight : 0,
    status,
    message: readable(message),
    cause: extras.cause ?? null,
    redFlag: check.redFlag ?? null,
    seed: extras.seed ?? null,
    durationMs: extras.durationMs === undefined || extras.durationMs === null ? null : Math.round(extras.durationMs),
  };
}

export function kataReport(grading: KataGrading): KataReport {
  const { kata, checks, verdict } = grading;
  let reportChecks: CheckReport[];
  let status: KataStatus;
  let reason: string | null = null;
  const notes = [...grading.notes];

  if (verdict.kind !== 'ran') {
    const checkState: CheckStatus = verdict.kind === 'not-attempted' ? 'not-attempted' : 'error';
    reportChecks = checks.map((check) =>
      checkReport(check, checkState, verdict.kind === 'not-attempted' ? '' : verdict.reason, {
        cause: verdict.kind === 'not-attempted' ? null : verdict.kind,
      }),
    );
    status = verdict.kind === 'unreadable' ? 'error' : verdict.kind;
    reason = verdict.reason;
  } else {
    const run = verdict.run;
    reportChecks = run.outcomes.map((outcome) =>
      checkReport(outcome.check, checkStatus(outcome), outcome.reason, {
        cause: outcome.status === 'passed' || outcome.status === 'not-started' ? null : (outcome.cause ?? null),
        seed: outcome.seed ?? null,
        durationMs: outcome.durationMs ?? null,
      }),
    );
    const states = reportChecks.map((check) => check.status);
    if (run.integrity === 'tampered') {
      status = 'error';
      reason = reportChecks[0]?.message ?? 'the test framework was tampered with';
    } else if (states.every((state) => state === 'passed')) {
      status = 'passed';
    } else if (states.every((state) => state === 'not-started')) {
      status = 'not-started';
      reason = 'every entry point still throws NotImplementedError';
    } else if (states.every((state) => state === 'error')) {
      status = 'error';
      reason = run.loadError ?? run.problems[0] ?? reportChecks[0]?.message ?? 'no check could run';
    } else if (states.includes('passed')) {
      status = 'partial';
    } else {
      status = 'failed';
    }
    if ((run.attempts ?? 1) > 1) {
      notes.push(
        `the checks were started ${run.attempts} times: a check that blocked or crashed was stopped, and the checks after it ran again without it`,
      );
    }
    const messages = new Set(reportChecks.map((check) => check.message));
    for (const problem of run.problems) if (!messages.has(problem) && problem !== reason) notes.push(problem);
  }

  const raised = new Map<
    RedFlagId,
    { id: RedFlagId; severity: RaisedRedFlag['severity']; title: string; evidence: RaisedRedFlag['evidence'][number][] }
  >();
  for (const check of reportChecks.filter(raisesRedFlag)) {
    const flag = redFlagById(check.redFlag!);
    const entry = raised.get(flag.id) ?? { id: flag.id, severity: flag.severity, title: flag.title, evidence: [] };
    entry.evidence.push({ check: check.id, message: check.message });
    raised.set(flag.id, entry);
  }
  const redFlags: RaisedRedFlag[] = [...raised.values()].sort(bySeverity);

  const score = reportChecks.reduce((sum, check) => sum + check.earned, 0);
  return {
    slug: kata.slug,
    title: kata.manifest.title,
    difficulty: kata.manifest.difficulty,
    status,
    score,
    max: reportChecks.reduce((sum, check) => sum + check.points, 0),
    checksPassed: reportChecks.filter((check) => check.status === 'passed').length,
    checksTotal: reportChecks.length,
    reason,
    checks: reportChecks,
    redFlags,
    similarity: grading.similarity,
    notes: [...new Set(notes)],
    durationMs: Math.round(grading.durationMs),
    tests: grading.tests ?? null,
  };
}

/** The katas whose tests can score "Testing considerations": tests written, and a gallery to catch. */
export function scoredTests(katas: readonly KataReport[]): { kata: KataReport; tests: TestsReport }[] {
  return katas.flatMap((kata) =>
    kata.tests !== null && kata.tests.share !== null ? [{ kata, tests: kata.tests }] : [],
  );
}

function testsItemReport(
  item: ChecklistItem,
  katas: readonly KataReport[],
  assessed: { score: number | null; notes: string | null } | undefined,
  warnings: string[],
): ItemReport | undefined {
  const scored = scoredTests(katas);
  if (scored.length === 0) return undefined;
  if (assessed?.score !== undefined && assessed.score !== null) {
    warnings.push(
      `the assessment scores "${item.id}", which the candidate's own tests already scored; the tests' score stands (notes are kept)`,
    );
  }
  const evidence: ItemEvidence[] = scored.map(({ kata, tests }) => {
    const earned = tests.status === 'passed' ? tests.caught : 0;
    return {
      kata: kata.slug,
      earned,
      max: tests.wrongFiles,
      checksPassed: earned,
      checksTotal: tests.wrongFiles,
      missedRules: tests.missedRules.map((rule) => rule.id ?? '(a wrong file that names no rule)'),
      reason: tests.reason,
    };
  });
  const share = evidence.reduce((sum, entry) => sum + entry.earned / entry.max, 0) / evidence.length;
  return {
    id: item.id,
    category: item.category,
    title: item.title,
    mode: item.mode,
    status: 'scored',
    score: points(item.points * share),
    max: item.points,
    evidence,
    questions: share < 1 ? item.questions : [],
    notes: assessed?.notes ?? null,
  };
}

function itemReport(
  item: ChecklistItem,
  katas: readonly KataReport[],
  assessment: Assessment | undefined,
  warnings: string[],
): ItemReport {
  const assessed = assessment?.items.get(item.id);
  const notes = assessed?.notes ?? null;
  const base = { id: item.id, category: item.category, title: item.title, mode: item.mode, max: item.points, notes };
  if (item.mode === 'candidate-tests') {
    const fromTests = testsItemReport(item, katas, assessed, warnings);
    if (fromTests !== undefined) return fromTests;
  }
  if (item.mode !== 'automated') {
    const score = assessed?.score ?? null;
    return {
      ...base,
      status: score === null ? 'for-interviewer' : 'assessed',
      score,
      evidence: [],
      questions: item.questions,
    };
  }
  const evidence: ItemEvidence[] = [];
  let failing = false;
  for (const kata of katas) {
    if (UNATTEMPTED.includes(kata.status)) continue;
    const checks = kata.checks.filter((check) => check.item === item.id);
    if (checks.length === 0) continue;
    failing ||= checks.some((check) => check.status !== 'passed');
    evidence.push({
      kata: kata.slug,
      earned: checks.reduce((sum, check) => sum + check.earned, 0),
      max: checks.reduce((sum, check) => sum + check.points, 0),
      checksPassed: checks.filter((check) => check.status === 'passed').length,
      checksTotal: checks.length,
    });
  }
  if (evidence.length === 0) {
    const score = assessed?.score ?? null;
    return {
      ...base,
      status: score === null ? 'not-assessed' : 'assessed',
      score,
      evidence,
      questions: item.questions,
    };
  }
  if (assessed?.score !== undefined && assessed.score !== null) {
    warnings.push(
      `the assessment scores "${item.id}", which the checks already scored; the checks' score stands (notes are kept)`,
    );
  }
  const share = evidence.reduce((sum, entry) => sum + entry.earned / entry.max, 0) / evidence.length;
  return {
    ...base,
    status: 'scored',
    score: points(item.points * share),
    evidence,
    questions: failing ? item.questions : [],
  };
}

/** Statuses of a kata whose code works, at least in part: its own follow-ups are for such code. */
const WORKING: readonly KataStatus[] = ['passed', 'partial'];

/**
 * A follow-up that states a measurement ("The benchmark shows your publish is several times
 * slower..."): grading measures nothing of the candidate's, so nothing supports it.
 */
function presupposesMeasurement(question: string): boolean {
  return /\bbenchmarks?\b|\bprofil(e|er|ing) shows\b/i.test(question);
}

/**
 * Questions only where the evidence supports them: one per check that failed on what the code did,
 * about that check (critical flags first, then the most points); the kata's own follow-ups for a
 * kata whose code works; and the questions of an interviewer item an attempted kata exercises.
 */
function followUps(
  katas: readonly KataReport[],
  items: readonly ItemReport[],
  gradings: readonly KataGrading[],
): FollowUp[] {
  const list: FollowUp[] = [];
  const seen = new Set<string>();
  const add = (entry: FollowUp): void => {
    if (seen.has(entry.question)) return;
    seen.add(entry.question);
    list.push(entry);
  };
  const failures = katas.flatMap((kata) =>
    kata.checks
      .filter((check) => check.status === 'failed' && BEHAVIOUR.includes(check.cause))
      .map((check) => ({ kata, check })),
  );
  const weight = ({ check }: (typeof failures)[number]): number =>
    (check.redFlag === null ? 0 : redFlagById(check.redFlag).severity === 'critical' ? 2 : 1) * 1000 + check.points;
  for (const { kata, check } of [...failures].sort((a, b) => weight(b) - weight(a))) {
    add({
      question: `In ${kata.slug}, "${check.title}" did not hold (${check.id}): what does your code do in that case, and what would make it hold?`,
      source: 'failed-check',
      item: check.item,
      kata: kata.slug,
      check: check.id,
    });
  }
  for (const { kata, tests } of scoredTests(katas)) {
    for (const name of tests.failingOnReference.slice(0, 3)) {
      add({
        question: `In ${kata.slug}, the candidate's test "${name}" fails on a correct implementation: which sentence of the README does it check, and what would it take to pass on every correct one?`,
        source: 'tests',
        item: 'testing',
        kata: kata.slug,
        check: null,
        rule: null,
      });
    }
    for (const rule of tests.missedRules) {
      const what =
        rule.id === null
          ? 'one wrong file of the gallery'
          : `an implementation that breaks \`${rule.id}\`${rule.text === null ? '' : ` ("${rule.text}")`}`;
      add({
        question: `In ${kata.slug}, no test of the candidate's fails on ${what}: which test would catch it?`,
        source: 'tests',
        item: 'testing',
        kata: kata.slug,
        check: null,
        rule: rule.id,
      });
    }
  }
  for (const kata of katas) {
    if (!WORKING.includes(kata.status)) continue;
    const grading = gradings.find((entry) => entry.kata.slug === kata.slug);
    for (const question of grading?.kata.manifest.followUps ?? []) {
      if (!presupposesMeasurement(question))
        add({ question, source: 'kata', item: null, kata: kata.slug, check: null });
    }
  }
  const exercised = new Set<ChecklistItemId>();
  for (const kata of katas) {
    if (UNATTEMPTED.includes(kata.status)) continue;
    const grading = gradings.find((entry) => entry.kata.slug === kata.slug);
    for (const id of grading?.kata.manifest.checklistItems ?? []) exercised.add(id);
  }
  for (const item of items) {
    if (item.mode === 'automated' || item.status === 'assessed' || item.status === 'scored') continue;
    if (!exercised.has(item.id)) continue;
    for (const question of item.questions) {
      add({ question, source: 'interviewer-item', item: item.id, kata: null, check: null });
    }
  }
  return list;
}

function bySeverity(a: { severity: string; id: string }, b: { severity: string; id: string }): number {
  return (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1) || a.id.localeCompare(b.id);
}

function redFlagSummary(katas: readonly KataReport[]): RedFlagSummary[] {
  const byId = new Map<RedFlagId, RedFlagSummary & { evidence: RedFlagSummary['evidence'][number][] }>();
  for (const kata of katas) {
    for (const raised of kata.redFlags) {
      const flag = redFlagById(raised.id);
      const entry = byId.get(raised.id) ?? {
        id: flag.id,
        severity: flag.severity,
        title: flag.title,
        consequence: flag.consequence,
        evidence: [],
      };
      for (const evidence of raised.evidence) entry.evidence.push({ kata: kata.slug, ...evidence });
      byId.set(raised.id, entry);
    }
  }
  return [...byId.values()].sort(bySeverity);
}

export function buildReport(input: ReportInput): GradeReport {
  const warnings = [...(input.warnings ?? [])];
  const katas = input.gradings.map(kataReport);
  const items = checklistItems.map((item) => itemReport(item, katas, input.assessment, warnings));
  const categoryReports: CategoryReport[] = categories.map((category) => {
    const scored = items.filter((item) => item.category === category.id && item.score !== null);
    return {
      id: category.id,
      title: category.title,
      score: points(scored.reduce((sum, item) => sum + (item.score ?? 0), 0)),
      max: category.points,
      assessedMax: scored.reduce((sum, item) => sum + item.max, 0),
    };
  });
  const totalScore = katas.reduce((sum, kata) => sum + kata.score, 0);
  const totalMax = katas.reduce((sum, kata) => sum + kata.max, 0);
  const attempted = katas.filter((kata) => !UNATTEMPTED.includes(kata.status));
  const attemptedScore = attempted.reduce((sum, kata) => sum + kata.score, 0);
  const attemptedMax = attempted.reduce((sum, kata) => sum + kata.max, 0);
  const scoredItems = items.filter((item) => item.score !== null);
  const assessment = input.assessment;
  return {
    schema: REPORT_SCHEMA,
    schemaVersion: SCHEMA_VERSION,
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    grader: input.grader,
    candidate: input.candidate,
    total: { score: totalScore, max: totalMax, percent: percent(totalScore, totalMax) },
    attempted: {
      score: attemptedScore,
      max: attemptedMax,
      percent: percent(attemptedScore, attemptedMax),
      katas: attempted.length,
    },
    checklist: {
      score: points(scoredItems.reduce((sum, item) => sum + (item.score ?? 0), 0)),
      max: checklistItems.reduce((sum, item) => sum + item.points, 0),
      assessedMax: scoredItems.reduce((sum, item) => sum + item.max, 0),
    },
    katas,
    items,
    categories: categoryReports,
    redFlags: redFlagSummary(katas),
    followUps: followUps(katas, items, input.gradings),
    assessment:
      assessment === undefined
        ? null
        : {
            file: assessment.file,
            interviewer: assessment.interviewer,
            date: assessment.date,
            notes: assessment.notes,
          },
    warnings: [...new Set(warnings)],
  };
}

/**
 * The order of a batch. Candidates who attempted different katas, with no `--kata` to say which
 * count, are ranked on the katas each attempted (points and percent over those), so attempting a
 * harder kata instead of an easier one costs nothing; otherwise on the graded katas. Ties go to
 * checklist points, then fewer critical red flags (distinct, as every report counts them), then name.
 */
export function rankCandidates(
  reports: readonly GradeReport[],
  katasGiven: boolean,
): { ranked: GradeReport[]; rankedOn: BatchReport['rankedOn']; ranking: RankingRow[] } {
  const flagCount = (report: GradeReport, severity: 'critical' | 'major'): number =>
    report.redFlags.filter((flag) => flag.severity === severity).length;
  const attemptedSlugs = (report: GradeReport): string[] =>
    report.katas.filter((kata) => !UNATTEMPTED.includes(kata.status)).map((kata) => kata.slug);
  const sets = new Set(reports.map((report) => attemptedSlugs(report).join(',')));
  const rankedOn: BatchReport['rankedOn'] = katasGiven || sets.size <= 1 ? 'graded-katas' : 'attempted-katas';
  const basis = (report: GradeReport) => (rankedOn === 'graded-katas' ? report.total : report.attempted);
  const ranked = [...reports].sort(
    (a, b) =>
      basis(b).percent - basis(a).percent ||
      b.checklist.score - a.checklist.score ||
      flagCount(a, 'critical') - flagCount(b, 'critical') ||
      a.candidate.name.localeCompare(b.candidate.name),
  );
  const ranking = ranked.map((report, index): RankingRow => ({
    rank: index + 1,
    name: report.candidate.name,
    score: basis(report).score,
    max: basis(report).max,
    percent: basis(report).percent,
    checklist: report.checklist.score,
    criticalFlags: flagCount(report, 'critical'),
    majorFlags: flagCount(report, 'major'),
    attempted: attemptedSlugs(report),
    similarToReference: report.katas
      .filter((kata) => kata.similarity !== null)
      .map((kata) => ({ kata: kata.slug, verdict: kata.similarity!.verdict })),
  }));
  return { ranked, rankedOn, ranking };
}
