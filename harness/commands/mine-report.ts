/**
 * Renders `kata test <slug> --mine` for the candidate: does their suite pass on the reference (the
 * failing tests named), on their own code (with the messages: their code, their tests), and which
 * wrong files it catches, each named by the rule it breaks, never by its file. Nothing a run against
 * the reference or a wrong file printed or threw is shown.
 */
import type { Kata } from '../catalog/catalog.ts';
import type { Dialect } from '../kit/db/types.ts';
import { checklistItem } from '../checklist.ts';
import type { TestsReport } from '../grader/report.ts';
import { formatPoints, unbroken, wrap } from '../grader/render/text.ts';
import type { Palette } from './palette.ts';

export interface MineReportOptions {
  readonly width?: number;
  /** How the person runs the harness, for the commands printed. */
  readonly invocation: string;
  /** The file their code is in, as they know it. */
  readonly shownFile: string;
  /** Runs at the same time, for the footer. */
  readonly concurrency: number;
  /** The engine the tests' databases used (`--db`): PostgreSQL is said in the heading. Default: sqlite. */
  readonly engine?: Dialect;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function renderMine(kata: Kata, report: TestsReport, palette: Palette, options: MineReportOptions): string {
  const width = options.width ?? 80;
  const lines: string[] = [];
  const command = (rest: string): string => unbroken(`${options.invocation} ${rest}`);
  lines.push(
    ...wrap(
      `${palette.bold(kata.slug)} ${palette.dim('·')} your tests ${palette.dim(`(${report.files.join(', ')})`)}${options.engine === 'postgres' ? ` ${palette.dim('·')} on PostgreSQL` : ''}`,
      width,
      '',
      '  ',
    ),
    '',
  );

  if (report.status === 'disqualified') {
    lines.push(
      ...wrap(`${palette.marks.fail} ${palette.fail('not run')}: ${report.reason ?? ''}`, width, '  ', '    '),
    );
    lines.push(
      ...wrap(
        'Tests may import vitest, ./index.ts, the kata folder, the kit and the packages the grader provides; they judge the code through its API.',
        width,
        '    ',
      ).map((line) => palette.dim(line)),
    );
    return lines.join('\n');
  }

  // On the reference: what counts.
  if (report.status === 'passed') {
    const skipped = report.skipped === 0 ? '' : palette.dim(` (${report.skipped} skipped, counting for nothing)`);
    lines.push(
      ...wrap(
        `${palette.marks.pass} on the reference: ${report.passedOnReference} of ${plural(report.tests, 'test')} pass${skipped}`,
        width,
        '  ',
        '    ',
      ),
    );
  } else if (report.status === 'failed') {
    lines.push(
      ...wrap(
        `${palette.marks.fail} on the reference: ${plural(report.failingOnReference.length, 'test')} of ${report.tests} ${report.failingOnReference.length === 1 ? 'fails' : 'fail'}, so the suite earns nothing:`,
        width,
        '  ',
        '    ',
      ),
    );
    for (const name of report.failingOnReference)
      lines.push(...wrap(palette.fail(name), width, '      - ', '        '));
    lines.push(
      ...wrap(
        `A test that fails on a correct implementation tests something the contract does not say: check what it asserts against the rules of the README (${command(`rules ${kata.slug}`)}).`,
        width,
        '    ',
        '    ',
      ).map((line) => palette.dim(line)),
    );
  } else {
    lines.push(
      ...wrap(`${palette.warn('!')} the suite ${report.reason ?? 'could not be judged'}`, width, '  ', '    '),
    );
    lines.push(
      ...wrap(
        'A suite earns something only when it runs at least one test and every test reports a result.',
        width,
        '    ',
      ).map((line) => palette.dim(line)),
    );
  }

  // On their own code: their messages.
  const own = report.own;
  if (own.status === 'passed') {
    lines.push(
      ...wrap(`${palette.marks.pass} on your code (${options.shownFile}): ${own.passed} pass`, width, '  ', '    '),
    );
  } else if (own.status === 'not-run') {
    lines.push(
      ...wrap(
        `${palette.marks.todo} on your code (${options.shownFile}): ${own.reason ?? 'not run'}`,
        width,
        '  ',
        '    ',
      ),
    );
  } else {
    lines.push(
      ...wrap(
        `${own.status === 'failing' ? palette.marks.fail : palette.warn('!')} on your code (${options.shownFile}): ${own.failures.length > 0 ? `${plural(own.failures.length, 'test')} did not pass` : (own.reason ?? 'could not be judged')}`,
        width,
        '  ',
        '    ',
      ),
    );
    for (const failure of own.failures) {
      lines.push(...wrap(failure.name, width, '      - ', '        '));
      lines.push(...wrap(palette.dim(failure.reason), width, '        ', '        '));
    }
  }
  lines.push('');

  // The gallery, by rule.
  if (report.wrongFiles === 0) {
    lines.push(...wrap('This kata has no wrong gallery: nothing to catch.', width, '  '));
  } else if (report.status !== 'passed') {
    lines.push(
      ...wrap(
        `The ${report.wrongFiles} wrong implementations were not run: a suite that does not pass on the reference earns nothing, so fix it first.`,
        width,
        '  ',
        '  ',
      ),
    );
  } else {
    const missed = report.missedRules.map((rule) => rule.id ?? '(one that names no rule)');
    const headline =
      report.caught === report.wrongFiles
        ? `Your tests catch all ${report.wrongFiles} wrong implementations.`
        : `Your tests catch ${report.caught} of ${report.wrongFiles}: they miss ${missed.join(', ')}.`;
    lines.push(...wrap(palette.bold(headline), width, '  ', '  '));
    for (const entry of report.gallery) {
      const mark = entry.caught ? palette.marks.pass : palette.marks.fail;
      const rule = entry.rule ?? '(a wrong implementation that names no rule)';
      lines.push(
        ...wrap(
          `${mark} ${palette.bold(rule)}${entry.text === null ? '' : `: ${entry.text}`}`,
          width,
          '    ',
          '      ',
        ),
      );
      const why = entry.caught ? `caught by ${entry.by.slice(0, 2).join('; ')}` : (entry.reason ?? '');
      if (why !== '') lines.push(...wrap(palette.dim(why), width, '      '));
    }
  }
  lines.push('');

  const item = checklistItem('testing');
  const earned = report.share === null ? undefined : item.points * report.share;
  if (earned !== undefined) {
    lines.push(
      ...wrap(
        `Graded, this kata gives ${formatPoints(Math.round(earned * 100) / 100)} of ${item.points} on "${item.title}" (the share of the wrong implementations caught by a suite that passes on the reference).`,
        width,
        '  ',
        '  ',
      ),
    );
  }
  for (const note of report.notes) lines.push(...wrap(palette.dim(note), width, '  - ', '    '));
  lines.push(
    ...wrap(
      palette.dim(
        `${plural(report.runs, 'run')} in ${(report.durationMs / 1000).toFixed(1)} s, ${options.concurrency} at a time, each in a sandbox of its own.`,
      ),
      width,
      '  ',
    ),
  );
  return lines.join('\n');
}
