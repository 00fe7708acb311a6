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
 * Red flags are raised by checks that ran and failed, with the check's one-line reason as evidence.
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
  type RedFlagSummary,
  type SimilarityReport,
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
  return message.replace(/ \/\/ Object\.is equality/g, '').replace(/^(PropertyFailure|TargetLoadError): /, '');
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

  const redFlags: RaisedRedFlag[] = reportChecks
    .filter((check) => check.status === 'failed' && check.redFlag !== null)
    .map((check) => {
      const flag = redFlagById(check.redFlag!);
      return { id: flag.id, severity: flag.severity, title: flag.title, message: check.message, check: check.id };
    });

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
  if (item.mode === 'interviewer') {
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

function followUps(
  katas: readonly KataReport[],
  items: readonly ItemReport[],
  kataFollowUps: ReadonlyMap<string, readonly string[]>,
): FollowUp[] {
  const list: FollowUp[] = [];
  const seen = new Set<string>();
  const add = (entry: FollowUp): void => {
    if (seen.has(entry.question)) return;
    seen.add(entry.question);
    list.push(entry);
  };
  const failedItems = new Set<ChecklistItemId>();
  for (const kata of katas) {
    for (const check of kata.checks) if (check.status === 'failed') failedItems.add(check.item);
  }
  for (const item of checklistItems) {
    if (!failedItems.has(item.id)) continue;
    for (const question of item.questions) add({ question, source: 'failed-check', item: item.id, kata: null });
  }
  for (const kata of katas) {
    if (kata.status === 'not-attempted') continue;
    const manifest = kataFollowUps.get(kata.slug) ?? [];
    for (const question of manifest) add({ question, source: 'kata', item: null, kata: kata.slug });
  }
  for (const item of items) {
    if (item.mode !== 'interviewer' || item.status === 'assessed') continue;
    for (const question of item.questions) add({ question, source: 'interviewer-item', item: item.id, kata: null });
  }
  return list;
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
      entry.evidence.push({ kata: kata.slug, check: raised.check, message: raised.message });
      byId.set(raised.id, entry);
    }
  }
  return [...byId.values()].sort(
    (a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1) || a.id.localeCompare(b.id),
  );
}

export function buildReport(input: ReportInput): GradeReport {
  const warnings = [...(input.warnings ?? [])];
  const kataFollowUps = new Map(input.gradings.map((grading) => [grading.kata.slug, grading.kata.manifest.followUps]));
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
    followUps: followUps(katas, items, kataFollowUps),
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
