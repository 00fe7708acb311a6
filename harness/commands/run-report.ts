/**
 * Renders one kata run for the candidate: failures grouped by checklist item, each with its reason,
 * wrapped to the terminal's width. A file that cannot be judged (it does not compile, lacks an
 * export of the stub, or fails to load) is said once, not once per check. Commands and code frames
 * are never split across lines.
 */
import { relative } from 'node:path';
import { checklistItems } from '../checklist.ts';
import { commandLines, unbroken, wrap, wrapWithBlock } from '../grader/render/text.ts';
import { dbFlag, kataCommand, replayCommand, shellWord } from '../runner/replay.ts';
import type { Dialect } from '../kit/db/types.ts';
import type { Kata } from '../catalog/catalog.ts';
import type { CheckOutcome, KataRun } from '../runner/outcomes.ts';
import type { Palette } from './palette.ts';

export interface RunReportOptions {
  readonly root: string;
  /** Hints not yet shown, for the "stuck?" line; undefined leaves the line out (a candidate's file). */
  readonly hintsLeft?: number;
  /** The run used grading's number of cases (`--thorough`), so a replay must too. */
  readonly thorough?: boolean;
  /** Columns to wrap to. Default: 80. */
  readonly width?: number;
  /**
   * Rows the report must fit in (`watch`): past them, the first failure is kept in full and the
   * other failures are listed by id only. Default: no limit.
   */
  readonly rows?: number;
  /** How the person runs the harness: `kata` or `npx kata`. Default: detected. */
  readonly invocation?: string;
  /** The checkout the file came from (`kata test --candidate DIR`): replays name it too. */
  readonly candidateDir?: string;
  /** The file that ran, as the person knows it. Default: katas/<slug>/index.ts relative to root. */
  readonly shownFile?: string;
  /** The database engine the spec ran on (`kata test --db`): printed commands rerun on it. Default: sqlite. */
  readonly engine?: Dialect;
}

interface Layout {
  readonly invocation: string;
  readonly width: number;
  readonly command: (rest: string) => string;
  readonly palette: Palette;
}

export function renderRun(kata: Kata, run: KataRun, palette: Palette, options: RunReportOptions): string {
  const invocation = options.invocation ?? kataCommand();
  const layout: Layout = {
    invocation,
    width: options.width ?? 80,
    // A command in a sentence wraps as one word: never split across lines.
    command: (rest) => unbroken(`${invocation} ${rest}`),
    palette,
  };
  const full = renderLines(kata, run, layout, options, false);
  // watch prints two more lines below the report: keep the first failure on screen.
  if (options.rows === undefined || full.length <= options.rows - 2) return full.join('\n');
  return renderLines(kata, run, layout, options, true, options.rows - 2).join('\n');
}

function renderLines(
  kata: Kata,
  run: KataRun,
  layout: Layout,
  options: RunReportOptions,
  compact: boolean,
  budget = Infinity,
): string[] {
  const { palette, width } = layout;
  const lines: string[] = [];
  const passed = run.outcomes.filter((outcome) => outcome.status === 'passed').length;
  const seconds = (run.durationMs / 1000).toFixed(1);
  const file = options.shownFile ?? relative(options.root, kata.workFile).split('\\').join('/');
  const testCommand = layout.command(
    `test ${kata.slug}${options.candidateDir === undefined ? '' : ` --candidate ${shellWord(options.candidateDir)}`}${dbFlag(options.engine)}`,
  );
  lines.push(
    ...wrap(
      `${palette.bold(kata.slug)} ${palette.dim('·')} ${kata.manifest.title} ${palette.dim(`(${kata.manifest.difficulty})`)}`,
      width,
      '',
      '  ',
    ),
  );

  if (run.status === 'not-started') {
    lines.push(
      `  ${palette.warn('not started')} ${palette.dim(`· ${run.outcomes.length} checks waiting · ${seconds} s`)}`,
      '',
    );
    const shown = compact ? Math.max(1, budget - lines.length - 4) : run.outcomes.length;
    for (const outcome of run.outcomes.slice(0, shown)) {
      lines.push(...wrap(outcome.check.title, width, `  ${palette.marks.todo} `, '    '));
    }
    if (shown < run.outcomes.length) lines.push(palette.dim(`  … and ${run.outcomes.length - shown} more`));
    lines.push(
      '',
      ...wrap(
        `Next: read ${relative(options.root, kata.readmeFile)}, implement ${file}, then run ${palette.accent(layout.command(`watch ${kata.slug}`))}.`,
        width,
        '',
      ),
    );
    return lines;
  }

  // Nothing could run: one finding, once, and what to do about it.
  if (run.loadError !== undefined && run.status === 'error') {
    lines.push(
      `  ${palette.marks.fail} ${palette.fail(`none of the ${run.outcomes.length} checks could run`)} ${palette.dim(`· ${seconds} s`)}`,
      '',
      ...wrapWithBlock(run.loadError, width, '  ', '  '),
      '',
      ...wrap(loadNext(kata, run, file, testCommand, layout), width, ''),
    );
    return lines;
  }

  const summary = `${passed} of ${run.outcomes.length} checks pass`;
  lines.push(
    `  ${run.status === 'passed' ? palette.pass(summary) : palette.fail(summary)} ${palette.dim(`· ${seconds} s`)}`,
  );

  if (run.problems.length > 0) {
    lines.push('', palette.warn('  The run itself had problems:'));
    for (const problem of run.problems) lines.push(...wrap(problem, width, '    ', '      '));
  }

  const ordered = checklistItems.flatMap((item) => run.outcomes.filter((outcome) => outcome.check.item === item.id));
  const failures = ordered.filter((outcome) => outcome.status === 'failed' || outcome.status === 'missing');
  const first = failures[0];

  if (compact && first !== undefined) {
    lines.push('', `  ${palette.bold('First failure')}`);
    lines.push(...outcomeLines(kata, first, layout, options, undefined));
    const next = ['', ...wrap(nextStep(kata, run, first, testCommand, layout, options), width, '')];
    const others = failures.slice(1).map((outcome) => outcome.check.id);
    const pending = ordered.filter((outcome) => outcome.status === 'not-started').length;
    const room = budget - lines.length - next.length - 1;
    if (others.length > 0 && room > 0) {
      const listed = wrap(`${others.join(', ')}`, width, `  Also failing (${others.length}): `, '    ');
      if (listed.length <= room) lines.push('', ...listed);
      else {
        const kept = listed.slice(0, Math.max(0, room - 1));
        lines.push(
          '',
          ...kept,
          ...wrap(`… ${others.length} in all: ${testCommand} lists every one`, width, '    ').map((line) =>
            palette.dim(line),
          ),
        );
      }
    }
    const tally = [`${passed} pass`, ...(pending > 0 ? [`${pending} not started`] : [])].join(' · ');
    if (lines.length + next.length < budget) lines.push(palette.dim(`  ${tally}`));
    lines.push(...next);
    return lines;
  }

  const reasons = new Map<string, string>();
  for (const item of checklistItems) {
    const outcomes = run.outcomes.filter((outcome) => outcome.check.item === item.id);
    if (outcomes.length === 0) continue;
    lines.push('', `  ${palette.bold(item.title)}`);
    for (const outcome of outcomes) {
      const sameAs = outcome.seed === undefined ? reasons.get(outcome.reason) : undefined;
      lines.push(...outcomeLines(kata, outcome, layout, options, sameAs));
      if (outcome.status === 'failed' || outcome.status === 'missing') {
        if (!reasons.has(outcome.reason)) reasons.set(outcome.reason, outcome.check.id);
      }
    }
  }

  lines.push('', ...wrap(nextStep(kata, run, first, testCommand, layout, options), width, ''));
  return lines;
}

function outcomeLines(
  kata: Kata,
  outcome: CheckOutcome,
  layout: Layout,
  options: RunReportOptions,
  sameAs: string | undefined,
): string[] {
  const { palette, width } = layout;
  const { check } = outcome;
  switch (outcome.status) {
    case 'passed':
      return [`    ${palette.marks.pass} ${check.id}`];
    case 'not-started':
      return wrap(
        `${check.id} ${palette.dim(`— ${check.title} (not started)`)}`,
        width,
        `    ${palette.marks.todo} `,
        '        ',
      );
    case 'failed':
    case 'missing': {
      const lines = wrap(
        `${check.id} ${palette.dim(`— ${check.title}`)}`,
        width,
        `    ${palette.marks.fail} `,
        '        ',
      );
      if (sameAs !== undefined) lines.push(palette.dim(`        the same failure as ${sameAs}`));
      else lines.push(...wrap(outcome.reason, width, '        ', '          '));
      if (outcome.seed !== undefined) {
        const replay = replayCommand(kata.slug, check.id, outcome.seed, {
          thorough: options.thorough === true,
          command: layout.invocation,
          ...(options.candidateDir === undefined ? {} : { candidateDir: options.candidateDir }),
          ...(options.engine === undefined ? {} : { engine: options.engine }),
        });
        lines.push(...commandLines('        ', palette.dim('replay:'), replay, width));
      }
      return lines;
    }
  }
}

function loadNext(kata: Kata, run: KataRun, file: string, testCommand: string, layout: Layout): string {
  const rerun = `then rerun ${layout.palette.accent(testCommand)}.`;
  switch (run.loadKind) {
    case 'compile':
      return `Next: fix the error the compiler shows above in ${file}, ${rerun}`;
    case 'exports': {
      const stub = relative(kata.dir, kata.stubFile);
      return `Next: export from ${file} what katas/${kata.slug}/${stub} exports, with the same names (a class stays a class, a function a function), ${rerun}`;
    }
    default:
      return `Next: fix what ${file} does while it loads (the error above), ${rerun}`;
  }
}

function nextStep(
  kata: Kata,
  run: KataRun,
  first: CheckOutcome | undefined,
  testCommand: string,
  layout: Layout,
  options: RunReportOptions,
): string {
  const { palette } = layout;
  if (run.status === 'passed') {
    return `All checks pass. Compare with the reference: ${palette.accent(layout.command(`solution ${kata.slug}`))}; pick the next kata: ${palette.accent(layout.command('list'))}.`;
  }
  const which = first === undefined ? 'the first failure above' : `the first failure above (${first.check.id})`;
  if (options.hintsLeft === undefined) return `Next: look at ${which}; rerun with ${palette.accent(testCommand)}.`;
  const stuck =
    options.hintsLeft > 0
      ? ` Stuck? ${palette.accent(layout.command(`hint ${kata.slug}`))} (${options.hintsLeft} hint${options.hintsLeft === 1 ? '' : 's'} left).`
      : ` Out of hints: ${palette.accent(layout.command(`solution ${kata.slug}`))} shows the reference.`;
  return `Next: fix ${which}, then rerun ${palette.accent(testCommand)} (or keep ${palette.accent(layout.command(`watch ${kata.slug}`))} open).${stuck}`;
}
