/**
 * A batch report from the candidates' single reports: ranked, with the pairs of candidates whose
 * submissions look alike. `grade()` builds a batch with it, and `kata report merge` builds the same
 * batch from shard reports, so grading a folder in one run and in shards gives one result.
 */
import {
  BATCH_SCHEMA,
  SCHEMA_VERSION,
  type BatchReport,
  type GradeReport,
  type GraderInfo,
  type SubmissionCode,
} from './report.ts';
import { rankCandidates } from './score.ts';
import { compare, type Fingerprint } from './similarity.ts';

export interface SubmissionPrint {
  readonly candidate: string;
  readonly kata: string;
  readonly fingerprint: Fingerprint;
}

export interface BatchInput {
  readonly reports: readonly GradeReport[];
  /** The katas graded, in the catalogue's order: the order of the look-alike pairs. */
  readonly katas: readonly string[];
  readonly prints: readonly SubmissionPrint[];
  readonly grader: GraderInfo;
  readonly generatedAt: string;
  readonly katasGiven: boolean;
}

/** Code-unit order, as a folder's candidates are listed: the same on every machine and locale. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every pair of candidates whose submissions for a kata are identical or nearly identical: kata by
 * kata in the catalogue's order, then by the two names (the pair itself in name order).
 */
export function similarPairsOf(
  katas: readonly string[],
  prints: readonly SubmissionPrint[],
): BatchReport['similarPairs'][number][] {
  const pairs: BatchReport['similarPairs'][number][] = [];
  for (const kata of katas) {
    const entries = prints.filter((print) => print.kata === kata).sort((a, b) => byCodeUnits(a.candidate, b.candidate));
    for (let i = 0; i < entries.length; i++) {
      for (let j = i + 1; j < entries.length; j++) {
        const [a, b] = [entries[i]!, entries[j]!];
        const verdict = compare(a.fingerprint, b.fingerprint, b.candidate);
        if (verdict === undefined) continue;
        pairs.push({
          kata,
          candidates: [a.candidate, b.candidate],
          verdict: verdict.verdict,
          exact: verdict.exact,
          structure: verdict.structure,
        });
      }
    }
  }
  return pairs;
}

export function assembleBatch(input: BatchInput): BatchReport {
  const { ranked, rankedOn, ranking } = rankCandidates(input.reports, input.katasGiven);
  return {
    schema: BATCH_SCHEMA,
    schemaVersion: SCHEMA_VERSION,
    generatedAt: input.generatedAt,
    grader: input.grader,
    candidates: ranked.map((report) => ({ ...withoutName(report), name: report.candidate.name })),
    rankedOn,
    katasGiven: input.katasGiven,
    ranking,
    similarPairs: similarPairsOf(input.katas, input.prints),
  };
}

/** A batch's candidate report is a single report plus `name`; the name goes last, as grading writes it. */
function withoutName(report: GradeReport): GradeReport {
  if (!('name' in report)) return report;
  const { name: _name, ...rest } = report as GradeReport & { name: unknown };
  return rest;
}

export function submissionCodes(prints: readonly SubmissionPrint[]): SubmissionCode[] {
  return prints.map((print) => ({ candidate: print.candidate, kata: print.kata, code: print.fingerprint.code }));
}
