/**
 * The grade report: what `kata grade` prints, and exactly what `--json` writes. The shape is
 * versioned (`schema`, `schemaVersion`) and described field by field in report.schema.json; a test
 * checks real reports against that schema. Add fields freely; renaming or removing one, or changing
 * its meaning, bumps SCHEMA_VERSION.
 */
import type { CategoryId, ChecklistItemId, RedFlagId, RedFlagSeverity, ScoringMode } from '../checklist.ts';

export const REPORT_SCHEMA = 'backend-katas/grade-report';
export const BATCH_SCHEMA = 'backend-katas/grade-batch';
/**
 * 2: a kata's red flags are distinct flags with their evidence; ranking counts distinct flags.
 * 3: "Testing considerations" (`testing`, mode `candidate-tests`) may be scored from the candidate's
 * own tests run against the wrong gallery (a kata's `tests`, follow-ups of source `tests`).
 */
export const SCHEMA_VERSION = 3;

/**
 * - passed: every check passed;
 * - partial: some passed;
 * - failed: the code ran and no check passed;
 * - not-started: the file was edited but every entry point still throws NotImplementedError;
 * - not-attempted: the file is missing or identical to the stub;
 * - error: the code could not be judged (it failed to load, crashed every attempt, or tampered
 *   with the test framework);
 * - disqualified: the code imports something a submission may not (checked before it runs).
 */
export type KataStatus = 'passed' | 'partial' | 'failed' | 'not-started' | 'not-attempted' | 'error' | 'disqualified';

/**
 * - passed / failed: the check ran against the loaded code;
 * - error: no trustworthy result (the module did not load, the run was tampered with, the kata
 *   was disqualified, the check was never reached);
 * - not-started: it reached an entry point that still throws NotImplementedError;
 * - not-attempted: the kata was not attempted.
 */
export type CheckStatus = 'passed' | 'failed' | 'error' | 'not-started' | 'not-attempted';

export interface CheckReport {
  readonly id: string;
  readonly title: string;
  readonly item: ChecklistItemId;
  /** The check's weight: the points it is worth within its kata. */
  readonly points: number;
  readonly earned: number;
  readonly status: CheckStatus;
  /** One line: why it did not pass. Empty when it passed. */
  readonly message: string;
  /**
   * What kind of failure: assertion, exception (the code broke as a program: a ReferenceError, a
   * call of what is not a function), timeout, memory, crash, load, tampered, not-run; null when passed.
   */
  readonly cause: string | null;
  /** The red flag a failure of this check raises, whether or not it failed. */
  readonly redFlag: RedFlagId | null;
  /** Seed of a randomised check, to replay it with `kata test <slug> --only <id> --seed=<seed>`. */
  readonly seed: number | null;
  readonly durationMs: number | null;
}

/** One red flag a kata raised, once, with every failing check of the kata that proves it. */
export interface RaisedRedFlag {
  readonly id: RedFlagId;
  readonly severity: RedFlagSeverity;
  readonly title: string;
  /** The evidence: each failing check's one-line reason, describing what the code did. */
  readonly evidence: readonly { readonly check: string; readonly message: string }[];
}

export interface SimilarityReport {
  readonly verdict: 'identical' | 'nearly-identical';
  /** The solution it resembles, relative to the grader's root. */
  readonly reference: string;
  /** Shared runs of 5 tokens, names kept (0 to 1). */
  readonly exact: number;
  /** Shared runs of 5 tokens with every name replaced by a placeholder (0 to 1). */
  readonly structure: number;
}

export interface KataReport {
  readonly slug: string;
  readonly title: string;
  readonly difficulty: string;
  readonly status: KataStatus;
  /** Points of the passed checks. */
  readonly score: number;
  /** Points of all the kata's checks. */
  readonly max: number;
  readonly checksPassed: number;
  readonly checksTotal: number;
  /** Why the kata has the status it has, when that is not plain from its checks. */
  readonly reason: string | null;
  readonly checks: readonly CheckReport[];
  /** Distinct red flags, each with its evidence: their number is the kata's count of red flags. */
  readonly redFlags: readonly RaisedRedFlag[];
  readonly similarity: SimilarityReport | null;
  /** What the interviewer should know about the run (restarts, a computed import, memory). */
  readonly notes: readonly string[];
  readonly durationMs: number;
  /** The candidate's own tests of this kata against the wrong gallery; null when they wrote none. */
  readonly tests: TestsReport | null;
  /**
   * The database engine the kata's spec ran on (`kata grade --db`); every kata of a grading has the
   * same. Absent in reports written before the field existed, which all ran on SQLite.
   */
  readonly database?: 'sqlite' | 'postgres';
}

/** One wrong file of the gallery, named by the rule it breaks (never by its file). */
export interface TestsGalleryEntry {
  /** The rule id its header names (`Violates:`); null when it names none. */
  readonly rule: string | null;
  /** The rule's text from kata.json, when the ledger has it. */
  readonly text: string | null;
  /** A test that passes on the reference failed on it. */
  readonly caught: boolean;
  /** The tests that caught it, by name. */
  readonly by: readonly string[];
  /** Why it was not caught, in the grader's words; null when caught. */
  readonly reason: string | null;
}

/**
 * A candidate's own tests (katas/<slug>/*.test.ts) run against their code, the reference and every
 * wrong file. A wrong file is caught when a test that passes on the reference fails on it.
 */
export interface TestsReport {
  /** The test files, by name in the kata folder. */
  readonly files: readonly string[];
  /**
   * - passed: every test passes on the reference, so the catches count;
   * - failed: a test fails on the reference (or a test file fails to load there): the suite tests
   *   something the contract does not say, and earns nothing;
   * - error: the suite could not be judged on the reference (no test, only skipped tests, a test
   *   never reported, tampering, a run stopped): it earns nothing;
   * - disqualified: a test file imports what a test may not (the reference, another kata, the file
   *   system): nothing ran.
   */
  readonly status: 'passed' | 'failed' | 'error' | 'disqualified';
  /** Why, when the status is not passed. */
  readonly reason: string | null;
  /** Tests collected against the reference. */
  readonly tests: number;
  /** Of them, the tests that passed on the reference: only their failures catch a wrong file. */
  readonly passedOnReference: number;
  readonly skipped: number;
  /** The tests that failed on the reference, by name (a name computed as the test runs is not shown). */
  readonly failingOnReference: readonly string[];
  /** The suite on the candidate's own code, with its failures' messages (their code and their tests). */
  readonly own: {
    readonly status: 'passed' | 'failing' | 'error' | 'not-run';
    readonly reason: string | null;
    readonly passed: number;
    readonly failures: readonly { readonly name: string; readonly reason: string }[];
  };
  /** Files in the kata's wrong gallery. */
  readonly wrongFiles: number;
  /** Of them, the files the suite catches. */
  readonly caught: number;
  /** caught / wrongFiles when the suite passes on the reference, 0 when not; null without a gallery. */
  readonly share: number | null;
  readonly gallery: readonly TestsGalleryEntry[];
  /** The distinct rules of the wrong files it does not catch. */
  readonly missedRules: readonly { readonly id: string | null; readonly text: string | null }[];
  readonly notes: readonly string[];
  /** Runs made: one per target that ran (own code, reference, each wrong file). */
  readonly runs: number;
  readonly durationMs: number;
}

/**
 * - scored: automated, from the checks of the graded katas mapped to it;
 * - not-assessed: automated, but no graded kata that was attempted checks it;
 * - for-interviewer: judged by the interviewer, and the assessment file does not score it;
 * - assessed: scored from the assessment file.
 */
export type ItemStatus = 'scored' | 'not-assessed' | 'for-interviewer' | 'assessed';

export interface ItemEvidence {
  readonly kata: string;
  /** Points of the passed checks on the item; for `testing`, the wrong files caught (0 when the suite fails the reference). */
  readonly earned: number;
  /** Points of the checks on the item; for `testing`, the wrong files of the gallery. */
  readonly max: number;
  /** For `testing`: the wrong files caught, as `earned`. */
  readonly checksPassed: number;
  /** For `testing`: the wrong files, as `max`. */
  readonly checksTotal: number;
  /** For `testing` only: the rules of the wrong files the tests miss, and why the suite earns nothing if it does. */
  readonly missedRules?: readonly string[];
  readonly reason?: string | null;
}

export interface ItemReport {
  readonly id: ChecklistItemId;
  readonly category: CategoryId;
  readonly title: string;
  readonly mode: ScoringMode;
  readonly status: ItemStatus;
  /** Null when the item is not scored. */
  readonly score: number | null;
  readonly max: number;
  /** Per attempted kata that checks this item. */
  readonly evidence: readonly ItemEvidence[];
  /** Questions to ask: always for interviewer items, for automated items with a failing check. */
  readonly questions: readonly string[];
  /** The interviewer's notes from the assessment file. */
  readonly notes: string | null;
}

export interface CategoryReport {
  readonly id: CategoryId;
  readonly title: string;
  /** Sum of the scored items. */
  readonly score: number;
  readonly max: number;
  /** Sum of the maxima of the scored items. */
  readonly assessedMax: number;
}

export interface RedFlagSummary {
  readonly id: RedFlagId;
  readonly severity: RedFlagSeverity;
  readonly title: string;
  readonly consequence: string;
  readonly evidence: readonly { readonly kata: string; readonly check: string; readonly message: string }[];
}

export interface FollowUp {
  readonly question: string;
  /**
   * failed-check: about one check that failed, from its evidence; kata: the kata's own follow-up,
   * for a kata whose code works; interviewer-item: to score an item an attempted kata exercises;
   * tests: about the candidate's own tests, a rule of a wrong file they miss or a test that fails
   * on the reference.
   */
  readonly source: 'failed-check' | 'kata' | 'interviewer-item' | 'tests';
  readonly item: ChecklistItemId | null;
  readonly kata: string | null;
  /** The failing check the question is about (source failed-check). */
  readonly check: string | null;
  /** The rule the question is about (source tests, a missed wrong file). */
  readonly rule?: string | null;
}

export interface Score {
  readonly score: number;
  readonly max: number;
  /** score / max in percent, one decimal; 0 when max is 0. */
  readonly percent: number;
}

export interface GraderInfo {
  readonly version: string;
  readonly node: string;
  readonly platform: string;
  /** How candidate code was isolated: namespaces or process-group. */
  readonly isolation: string;
}

export interface GradeReport {
  readonly schema: typeof REPORT_SCHEMA;
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly generatedAt: string;
  readonly grader: GraderInfo;
  /** Who was graded: the candidate's folder name, "local" or "solutions". */
  readonly candidate: {
    readonly name: string;
    readonly path: string;
    readonly kind: 'local' | 'candidate' | 'solutions';
  };
  /** Automated check points over every graded kata; a kata not attempted counts 0 of its points. */
  readonly total: Score;
  /** The same over the attempted katas only. */
  readonly attempted: Score & { readonly katas: number };
  /** Checklist points: scored items out of 100; `assessedMax` is what the scored items could give. */
  readonly checklist: { readonly score: number; readonly max: number; readonly assessedMax: number };
  readonly katas: readonly KataReport[];
  readonly items: readonly ItemReport[];
  readonly categories: readonly CategoryReport[];
  readonly redFlags: readonly RedFlagSummary[];
  readonly followUps: readonly FollowUp[];
  readonly assessment: {
    readonly file: string;
    readonly interviewer: string | null;
    readonly date: string | null;
    readonly notes: string | null;
  } | null;
  /** Problems with the grading itself (a grader file changed and was restored). */
  readonly warnings: readonly string[];
}

export interface RankingRow {
  readonly rank: number;
  readonly name: string;
  /** Points the candidate is ranked on: over the graded katas, or the attempted ones (see rankedOn). */
  readonly score: number;
  readonly max: number;
  readonly percent: number;
  readonly checklist: number;
  /** Distinct critical red flags, counted as the scorecard counts them. */
  readonly criticalFlags: number;
  /** Distinct major red flags. */
  readonly majorFlags: number;
  /** The katas the candidate attempted. */
  readonly attempted: readonly string[];
  /** Katas whose submission is identical or nearly identical to a reference solution or variant. */
  readonly similarToReference: readonly { readonly kata: string; readonly verdict: 'identical' | 'nearly-identical' }[];
}

export interface BatchReport {
  readonly schema: typeof BATCH_SCHEMA;
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly generatedAt: string;
  readonly grader: GraderInfo;
  /** One full report per candidate, with the candidate's name, in ranking order. */
  readonly candidates: readonly (GradeReport & { readonly name: string })[];
  /**
   * graded-katas: every candidate is ranked on the same katas (`--kata` was given, or all attempted
   * the same ones); attempted-katas: they attempted different katas and `--kata` was not given, so
   * each is ranked on the katas they attempted.
   */
  readonly rankedOn: 'graded-katas' | 'attempted-katas';
  /** Whether `--kata` named the katas to grade. */
  readonly katasGiven: boolean;
  readonly ranking: readonly RankingRow[];
  /** Pairs of candidates whose submissions for one kata are identical or nearly identical. */
  readonly similarPairs: readonly {
    readonly kata: string;
    readonly candidates: readonly [string, string];
    readonly verdict: 'identical' | 'nearly-identical';
    readonly exact: number;
    readonly structure: number;
  }[];
  /**
   * Only in the report of one shard (`kata grade --shard i/n`): what `kata report merge` needs to
   * put the shards together exactly as one run over the whole folder would have graded them.
   */
  readonly shard?: ShardInfo;
}

/** A submission's code as the similarity measure reads it (esbuild's output: no types, no comments). */
export interface SubmissionCode {
  readonly candidate: string;
  readonly kata: string;
  readonly code: string;
}

export interface ShardInfo {
  /** This shard, 1 to count. */
  readonly index: number;
  readonly count: number;
  /** The katas graded, in the catalogue's order: every shard of a batch must have graded the same. */
  readonly katas: readonly string[];
  /** Every submission of the shard that could be compared, to find look-alikes across shards. */
  readonly submissions: readonly SubmissionCode[];
}

export function percent(score: number, max: number): number {
  return max === 0 ? 0 : Math.round((score / max) * 1000) / 10;
}

/** Points with at most two decimals, so JSON shows 3.33, not 3.3333333333333335. */
export function points(value: number): number {
  return Math.round(value * 100) / 100;
}
