/**
 * The scorecard in the terminal: every line fits 80 columns, and colour comes only from the
 * palette (so none when stdout is not a terminal or NO_COLOR is set).
 */
import { replayCommand } from '../../runner/replay.ts';
import { categories } from '../../checklist.ts';
import type { Palette } from '../../commands/palette.ts';
import type { BatchReport, CheckReport, GradeReport, ItemReport, KataReport, KataStatus } from '../report.ts';
import { clip, formatPoints, padEnd, padStart, visibleLength, wrap } from './text.ts';

export const WIDTH = 80;

const STATUS_TEXT: Record<KataStatus, string> = {
  passed: 'passed',
  partial: 'partial',
  failed: 'failed',
  'not-started': 'not started',
  'not-attempted': 'not attempted',
  error: 'error',
  disqualified: 'disqualified',
};

function mark(status: KataStatus | CheckReport['status'], palette: Palette): string {
  switch (status) {
    case 'passed':
      return palette.marks.pass;
    case 'partial':
    case 'failed':
      return palette.marks.fail;
    case 'error':
    case 'disqualified':
      return palette.warn('!');
    default:
      return palette.marks.todo;
  }
}

function statusText(kata: KataReport, palette: Palette): string {
  const text = STATUS_TEXT[kata.status];
  switch (kata.status) {
    case 'passed':
      return palette.pass(text);
    case 'partial':
      return palette.warn(text);
    case 'failed':
    case 'error':
    case 'disqualified':
      return palette.fail(text);
    default:
      return palette.dim(text);
  }
}

function heading(text: string, palette: Palette): string[] {
  return ['', palette.bold(text)];
}

function kataRows(report: GradeReport, palette: Palette, withReasons: boolean): string[] {
  const slugWidth = Math.min(22, Math.max(...report.katas.map((kata) => kata.slug.length), 4));
  const lines: string[] = [];
  for (const kata of report.katas) {
    const flags = kata.redFlags.length;
    const flagText = flags === 0 ? '' : palette.warn(` · ${flags} red flag${flags === 1 ? '' : 's'}`);
    const similar = kata.similarity === null ? '' : palette.warn(` · ${kata.similarity.verdict.replace('-', ' ')}`);
    const row =
      `  ${mark(kata.status, palette)} ${padEnd(clip(kata.slug, slugWidth), slugWidth)}  ${padEnd(kata.difficulty, 6)} ` +
      `${padStart(`${kata.score}/${kata.max}`, 7)}  ${statusText(kata, palette)}`;
    if (visibleLength(row + flagText + similar) <= WIDTH) lines.push(row + flagText + similar);
    else lines.push(row, `      ${(flagText + similar).replace(/^(\u001b\[[0-9;]*m)* · /, '$1')}`);
    if (withReasons && kata.reason !== null && kata.status !== 'not-attempted' && kata.status !== 'not-started') {
      lines.push(...wrap(kata.reason, WIDTH, '      ').map((line) => palette.dim(line)));
    }
  }
  return lines;
}

function checkLines(kata: KataReport, check: CheckReport, palette: Palette): string[] {
  const lines = wrap(
    `${check.id} ${palette.dim(`(${check.item}, ${check.points} pt${check.points === 1 ? '' : 's'})`)}`,
    WIDTH,
    `    ${mark(check.status, palette)} `,
    '      ',
  );
  if (check.message !== '') lines.push(...wrap(check.message, WIDTH, '        '));
  if (check.seed !== null) {
    const replay = replayCommand(kata.slug, check.id, check.seed, { thorough: true });
    if (`        replay: ${replay}`.length <= WIDTH) lines.push(palette.dim(`        replay: ${replay}`));
    else lines.push(palette.dim('        replay:'), palette.dim(`  ${replay}`));
  }
  return lines;
}

function itemScore(item: ItemReport, palette: Palette): string {
  switch (item.status) {
    case 'scored':
      return `${formatPoints(item.score!)} / ${item.max}`;
    case 'assessed':
      return `${formatPoints(item.score!)} / ${item.max} ${palette.dim('(interviewer)')}`;
    case 'not-assessed':
      return palette.dim('not assessed');
    case 'for-interviewer':
      return palette.accent('for the interviewer');
  }
}

export function renderScorecard(report: GradeReport, palette: Palette): string {
  const lines: string[] = [];
  const who = report.candidate.kind === 'candidate' ? report.candidate.name : report.candidate.kind;
  lines.push(...wrap(`${palette.bold('Scorecard')} · ${who} · ${report.candidate.path}`, WIDTH, ''));
  lines.push(palette.dim('─'.repeat(WIDTH)));
  const attempted = `${report.attempted.katas} of ${report.katas.length} kata${report.katas.length === 1 ? '' : 's'} attempted`;
  lines.push(
    `Automated checks  ${palette.bold(`${report.total.score} of ${report.total.max}`)} points (${report.total.percent}%) · ${attempted}`,
  );
  const forInterviewer = report.items.filter((item) => item.status === 'for-interviewer').length;
  lines.push(
    ...wrap(
      `${palette.bold(formatPoints(report.checklist.score))} of ${report.checklist.assessedMax} points assessed (of ${report.checklist.max}) · ${forInterviewer} item${forInterviewer === 1 ? '' : 's'} for the interviewer`,
      WIDTH,
      'Checklist         ',
      '                  ',
    ),
  );
  const critical = report.redFlags.filter((flag) => flag.severity === 'critical').length;
  const major = report.redFlags.length - critical;
  lines.push(
    `Red flags         ${critical === 0 && major === 0 ? palette.pass('none') : palette.fail(`${critical} critical · ${major} major`)}`,
  );

  lines.push(...heading('Katas', palette));
  lines.push(...kataRows(report, palette, true));

  const failing = report.katas.filter((kata) =>
    kata.checks.some((check) => check.status === 'failed' || (check.status === 'error' && kata.status === 'partial')),
  );
  if (failing.length > 0) {
    lines.push(...heading('Checks that did not pass', palette));
    for (const kata of failing) {
      lines.push(`  ${kata.slug}`);
      for (const check of kata.checks) {
        if (check.status === 'failed' || check.status === 'error') lines.push(...checkLines(kata, check, palette));
      }
    }
  }

  if (report.redFlags.length > 0) {
    lines.push(...heading('Red flags', palette));
    for (const flag of report.redFlags) {
      const label = flag.severity === 'critical' ? palette.fail('CRITICAL') : palette.warn('MAJOR');
      lines.push(...wrap(`${label} ${palette.bold(flag.title)}: ${flag.consequence}`, WIDTH, '  ', '    '));
      for (const evidence of flag.evidence) {
        lines.push(...wrap(`${evidence.kata}/${evidence.check}: ${evidence.message}`, WIDTH, '    - ', '      '));
      }
    }
  }

  const similar = report.katas.filter((kata) => kata.similarity !== null);
  if (similar.length > 0) {
    lines.push(...heading('Similarity to the reference', palette));
    for (const kata of similar) {
      const found = kata.similarity!;
      lines.push(
        ...wrap(
          `${kata.slug}: ${palette.warn(found.verdict.replace('-', ' '))} to ${found.reference} (shared 5-token runs: ${found.exact} as written, ${found.structure} with names ignored). Ask the candidate to walk through it.`,
          WIDTH,
          '  ',
          '    ',
        ),
      );
    }
  }

  lines.push(...heading('Checklist', palette));
  for (const category of report.categories) {
    const info = categories.find((entry) => entry.id === category.id)!;
    const total =
      category.assessedMax === 0
        ? palette.dim(`- of ${category.max}`)
        : `${formatPoints(category.score)} / ${category.assessedMax}${palette.dim(` of ${category.max}`)}`;
    lines.push(`  ${padEnd(palette.bold(clip(info.title, 50)), 56)}${padStart(total, 20)}`);
    for (const item of report.items.filter((entry) => entry.category === category.id)) {
      lines.push(`    ${padEnd(clip(item.title, 46), 48)}${padStart(itemScore(item, palette), 26)}`);
    }
  }

  const questions = report.followUps;
  if (questions.length > 0) {
    lines.push(...heading('Ask next', palette));
    const groups: [string, typeof questions][] = [
      ['Suggested by the failures', questions.filter((entry) => entry.source === 'failed-check')],
      ['Follow-ups of the katas attempted', questions.filter((entry) => entry.source === 'kata')],
      [
        'To score the items for the interviewer (kata grade --assessment-template)',
        questions.filter((entry) => entry.source === 'interviewer-item'),
      ],
    ];
    for (const [title, entries] of groups) {
      if (entries.length === 0) continue;
      lines.push(...wrap(title, WIDTH, '  ').map((line) => palette.accent(line)));
      for (const entry of entries) {
        const tag = entry.item ?? entry.kata ?? '';
        lines.push(...wrap(`${entry.question} ${palette.dim(`[${tag}]`)}`, WIDTH, '    - ', '      '));
      }
    }
  }

  const notes = report.katas.flatMap((kata) => kata.notes.map((note) => `${kata.slug}: ${note}`));
  if (notes.length > 0 || report.warnings.length > 0) {
    lines.push(...heading('Notes', palette));
    for (const warning of report.warnings) lines.push(...wrap(palette.warn(warning), WIDTH, '  ! ', '    '));
    for (const note of notes) lines.push(...wrap(note, WIDTH, '  - ', '    '));
  }
  lines.push(
    '',
    palette.dim(
      wrap(
        `Isolation: ${report.grader.isolation} · Node ${report.grader.node} · the JSON report (--json) has every field shown here`,
        WIDTH,
        '',
      ).join('\n'),
    ),
  );
  return lines.join('\n');
}

export function renderBatch(batch: BatchReport, palette: Palette): string {
  const lines: string[] = [];
  lines.push(`${palette.bold('Batch')} · ${batch.candidates.length} candidates`);
  lines.push(palette.dim('─'.repeat(WIDTH)));
  const nameWidth = Math.min(28, Math.max(9, ...batch.ranking.map((row) => row.name.length)));
  lines.push(
    palette.dim(
      `${padStart('#', 3)}  ${padEnd('candidate', nameWidth)}  ${padStart('points', 9)}  ${padStart('%', 6)}  ${padStart('checklist', 9)}  ${padStart('critical', 8)}  ${padStart('major', 5)}`,
    ),
  );
  for (const row of batch.ranking) {
    lines.push(
      `${padStart(String(row.rank), 3)}  ${padEnd(clip(row.name, nameWidth), nameWidth)}  ${padStart(`${row.score}/${row.max}`, 9)}  ${padStart(row.percent.toFixed(1), 6)}  ${padStart(formatPoints(row.checklist), 9)}  ${padStart(row.criticalFlags === 0 ? '-' : palette.fail(String(row.criticalFlags)), 8)}  ${padStart(row.majorFlags === 0 ? '-' : palette.warn(String(row.majorFlags)), 5)}`,
    );
  }
  if (batch.similarPairs.length > 0) {
    lines.push(...heading('Submissions that look alike', palette));
    for (const pair of batch.similarPairs) {
      lines.push(
        ...wrap(
          `${pair.kata}: ${pair.candidates[0]} and ${pair.candidates[1]} are ${pair.verdict.replace('-', ' ')} (${pair.exact} as written, ${pair.structure} with names ignored)`,
          WIDTH,
          '  - ',
          '    ',
        ),
      );
    }
  }
  for (const candidate of batch.candidates) {
    lines.push(...heading(`${candidate.name} · ${candidate.total.score}/${candidate.total.max} points`, palette));
    lines.push(...kataRows(candidate, palette, true));
    for (const flag of candidate.redFlags) {
      const label = flag.severity === 'critical' ? palette.fail('critical') : palette.warn('major');
      lines.push(...wrap(`${label} ${flag.title}: ${flag.evidence[0]?.message ?? ''}`, WIDTH, '    ⚑ ', '      '));
    }
  }
  lines.push(
    '',
    palette.dim(wrap("Each candidate's full scorecard: --markdown FILE or --json FILE.", WIDTH, '').join('\n')),
  );
  return lines.join('\n');
}
