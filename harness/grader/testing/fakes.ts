/** Kata and run records made up for the grader's unit tests: scoring needs no process. */
import type { Kata } from '../../catalog/catalog.ts';
import type { ChecklistItemId, RedFlagId } from '../../checklist.ts';
import type { ResolvedCheck } from '../../kit/spec.ts';
import type { CheckOutcome, KataRun } from '../../runner/outcomes.ts';
import type { GraderInfo } from '../report.ts';

export function fakeCheck(
  id: string,
  item: ChecklistItemId,
  weight = 1,
  redFlag: RedFlagId | undefined = undefined,
): ResolvedCheck {
  return { id, title: `${id} works`, item, weight, redFlag, timeoutMs: 10_000, rules: [] };
}

export function fakeKata(slug: string, followUps: readonly string[] = [`What would you change in ${slug}?`]): Kata {
  const dir = `/repo/katas/${slug}`;
  return {
    slug,
    manifest: {
      title: `${slug} kata`,
      difficulty: 'medium',
      summary: 'made up',
      order: 1,
      minutes: 10,
      checklistItems: ['api-design'],
      hints: ['a hint'],
      followUps,
    },
    dir,
    manifestFile: `${dir}/kata.json`,
    readmeFile: `${dir}/README.md`,
    workFile: `${dir}/index.ts`,
    stubFile: `${dir}/stub.ts`,
    specFile: `${dir}/spec.ts`,
    solutionDir: `/repo/solutions/${slug}`,
    referenceFile: `/repo/solutions/${slug}/index.ts`,
    notesFile: `/repo/solutions/${slug}/NOTES.md`,
    variantFiles: [],
    wrongFiles: [],
    postgresFiles: [],
    postgresWrongFiles: [],
  };
}

export function passed(check: ResolvedCheck): CheckOutcome {
  return { check, status: 'passed', reason: '' };
}

export function failed(check: ResolvedCheck, reason: string, cause: CheckOutcome['cause'] = 'assertion'): CheckOutcome {
  return { check, status: 'failed', reason, cause };
}

export function fakeRun(slug: string, outcomes: readonly CheckOutcome[], extra: Partial<KataRun> = {}): KataRun {
  return {
    slug,
    targetFile: `/tree/katas/${slug}/index.ts`,
    status: 'failing',
    outcomes,
    problems: [],
    durationMs: 1000,
    attempts: 1,
    integrity: 'verified',
    ...extra,
  };
}

export const graderInfo: GraderInfo = { version: '0.0.0', node: 'v20.0.0', platform: 'test', isolation: 'namespaces' };
