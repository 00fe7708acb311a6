/** Renders one kata run for the candidate: failures grouped by checklist item, each with its reason. */
import { relative } from 'node:path';
import { checklistItems } from '../checklist.ts';
import { replayCommand } from '../runner/replay.ts';
import type { Kata } from '../catalog/catalog.ts';
import type { CheckOutcome, KataRun } from '../runner/outcomes.ts';
import type { Palette } from './palette.ts';

export interface RunReportOptions {
  readonly root: string;
  /** Hints not yet shown, for the "stuck?" line. */
  readonly hintsLeft: number;
  /** The run used grading's number of cases (`--thorough`), so a replay must too. */
  readonly thorough?: boolean;
}

export function renderRun(kata: Kata, run: KataRun, palette: Palette, options: RunReportOptions): string {
  const lines: string[] = [];
  const passed = run.outcomes.filter((outcome) => outcome.status === 'passed').length;
  const seconds = (run.durationMs / 1000).toFixed(1);
  lines.push(
    `${palette.bold(kata.slug)} ${palette.dim('·')} ${kata.manifest.title} ${palette.dim(`(${kata.manifest.difficulty})`)}`,
  );

  if (run.status === 'not-started') {
    lines.push(
      `  ${palette.warn('not started')} ${palette.dim(`· ${run.outcomes.length} checks waiting · ${seconds} s`)}`,
      '',
    );
    for (const outcome of run.outcomes) lines.push(`  ${palette.marks.todo} ${outcome.check.title}`);
    const work = relative(options.root, kata.workFile);
    lines.push(
      '',
      `Next: read ${relative(options.root, kata.readmeFile)}, implement ${work}, then run ${palette.accent(`kata watch ${kata.slug}`)}.`,
    );
    return lines.join('\n');
  }

  const summary = `${passed} of ${run.outcomes.length} checks pass`;
  lines.push(
    `  ${run.status === 'passed' ? palette.pass(summary) : palette.fail(summary)} ${palette.dim(`· ${seconds} s`)}`,
  );

  if (run.problems.length > 0) {
    lines.push('', palette.warn('  The run itself had problems:'));
    for (const problem of run.problems) lines.push(`    ${problem}`);
  }

  for (const item of checklistItems) {
    const outcomes = run.outcomes.filter((outcome) => outcome.check.item === item.id);
    if (outcomes.length === 0) continue;
    lines.push('', `  ${palette.bold(item.title)}`);
    for (const outcome of outcomes) lines.push(...renderOutcome(kata, outcome, palette, options.thorough === true));
  }

  lines.push('', nextStep(kata, run, palette, options));
  return lines.join('\n');
}

function renderOutcome(kata: Kata, outcome: CheckOutcome, palette: Palette, thorough: boolean): string[] {
  const { check } = outcome;
  switch (outcome.status) {
    case 'passed':
      return [`    ${palette.marks.pass} ${check.id}`];
    case 'not-started':
      return [`    ${palette.marks.todo} ${check.id} ${palette.dim(`— ${check.title} (not started)`)}`];
    case 'failed':
    case 'missing': {
      const lines = [
        `    ${palette.marks.fail} ${check.id} ${palette.dim(`— ${check.title}`)}`,
        `        ${outcome.reason}`,
      ];
      if (outcome.seed !== undefined) {
        lines.push(
          `        ${palette.dim('replay:')} ${replayCommand(kata.slug, check.id, outcome.seed, { thorough })}`,
        );
      }
      return lines;
    }
  }
}

function nextStep(kata: Kata, run: KataRun, palette: Palette, options: RunReportOptions): string {
  if (run.status === 'passed') {
    return `All checks pass. Compare with the reference: ${palette.accent(`kata solution ${kata.slug}`)}; pick the next kata: ${palette.accent('kata list')}.`;
  }
  const stuck =
    options.hintsLeft > 0
      ? ` Stuck? ${palette.accent(`kata hint ${kata.slug}`)} (${options.hintsLeft} hint${options.hintsLeft === 1 ? '' : 's'} left).`
      : ` Out of hints: ${palette.accent(`kata solution ${kata.slug}`)} shows the reference.`;
  return `Next: fix the first failure above, then rerun ${palette.accent(`kata test ${kata.slug}`)} (or keep ${palette.accent(`kata watch ${kata.slug}`)} open).${stuck}`;
}
