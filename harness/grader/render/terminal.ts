/**
 * The scorecard in the terminal: every line fits the width (the terminal's, 80 when stdout is not
 * a terminal) except a command too long for any line, which is never split; continuation lines are
 * indented, code frames kept as the compiler printed them. Colour comes only from the palette (so
 * none when stdout is not a terminal or NO_COLOR is set).
 */
import { kataCommand, replayCommand } from '../../runner/replay.ts';
import { categories } from '../../checklist.ts';
import type { Palette } from './palette.ts';
import type {
  BatchReport,
  CheckReport,
  FollowUp,
  GradeReport,
  ItemReport,
  KataReport,
  KataStatus,
  TestsReport,
} from '../report.ts';
import {
  clip,
  commandLines,
  formatPoints,
  padEnd,
  padStart,
  unbroken,
  visibleLength,
  wrap,
  wrapWithBlock,
} from './text.ts';

/** The default width: what a terminal that says nothing of its size, a pipe or a file gets. */
export const WIDTH = 80;

/** Failure questions shown in the terminal; the JSON and Markdown reports have them all. */
const FAILURE_QUESTIONS_SHOWN = 6;

export interface TerminalOptions {
  /** Columns to wrap to. Default: 80. */
  readonly width?: number;
  /** How the interviewer runs the harness: `kata` or `npx kata`. Default: detected. */
  readonly invocation?: string;
  /** The files the same command wrote, so the footer points at them instead of suggesting them. */
  readonly written?: { readonly json?: string; readonly markdown?: string; readonly csv?: string };
}

interface Layout {
  readonly width: number;
  readonly invocation: string;
  readonly palette: Palette;
}

function layoutOf(palette: Palette, options: TerminalOptions): Layout {
  return { width: Math.max(40, options.width ?? WIDTH), invocation: options.invocation ?? kataCommand(), palette };
}

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

/** "2 red flags": distinct flags, the same count the header, the JSON and every table use. */
export function flagCountText(count: number): string {
  return `${count} red flag${count === 1 ? '' : 's'}`;
}

function kataRows(report: GradeReport, layout: Layout, withReasons: boolean): string[] {
  const { palette, width } = layout;
  const slugWidth = Math.min(22, Math.max(...report.katas.map((kata) => kata.slug.length), 4));
  const lines: string[] = [];
  for (const kata of report.katas) {
    const flags = kata.redFlags.length;
    const flagText = flags === 0 ? '' : palette.warn(` · ${flagCountText(flags)}`);
    const similar =
      kata.similarity === null ? '' : palette.warn(` · ${kata.similarity.verdict.replace('-', ' ')} to the reference`);
    const row =
      `  ${mark(kata.status, palette)} ${padEnd(clip(kata.slug, slugWidth), slugWidth)}  ${padEnd(kata.difficulty, 6)} ` +
      `${padStart(`${kata.score}/${kata.max}`, 7)}  ${statusText(kata, palette)}`;
    if (visibleLength(row + flagText + similar) <= width) lines.push(row + flagText + similar);
    else lines.push(row, ...wrap((flagText + similar).replace(/^(\u001b\[[0-9;]*m)* · /, '$1'), width, '      '));
    if (withReasons && kata.reason !== null && kata.status !== 'not-attempted' && kata.status !== 'not-started') {
      lines.push(...wrapWithBlock(kata.reason, width, '      ', '      ').map((line) => palette.dim(line)));
    }
  }
  return lines;
}

/** The replay of a check, as the interviewer can run it: the candidate's checkout, grading's cases. */
export function replayFor(
  report: GradeReport,
  kata: KataReport,
  check: CheckReport,
  invocation: string,
): string | undefined {
  // The references live in solutions/<slug>/, which `kata test --candidate` does not read.
  if (check.seed === null || report.candidate.kind === 'solutions') return undefined;
  return replayCommand(kata.slug, check.id, check.seed, {
    thorough: true,
    command: invocation,
    ...(report.candidate.kind === 'candidate' ? { candidateDir: report.candidate.path } : {}),
    // A kata graded on PostgreSQL replays there too.
    ...(kata.database === undefined ? {} : { engine: kata.database }),
  });
}

function checkLines(report: GradeReport, kata: KataReport, check: CheckReport, layout: Layout): string[] {
  const { palette, width } = layout;
  const lines = wrap(
    `${check.id} ${palette.dim(`(${check.item}, ${check.points} pt${check.points === 1 ? '' : 's'})`)}`,
    width,
    `    ${mark(check.status, palette)} `,
    '      ',
  );
  if (check.message !== '') lines.push(...wrap(check.message, width, '        ', '          '));
  const replay = replayFor(report, kata, check, layout.invocation);
  if (replay !== undefined)
    lines.push(...commandLines('        ', 'replay:', replay, width).map((line) => palette.dim(line)));
  return lines;
}

function itemScore(item: ItemReport, palette: Palette): string {
  switch (item.status) {
    case 'scored':
      return item.mode === 'candidate-tests'
        ? `${formatPoints(item.score!)} / ${item.max} ${palette.dim('(their tests)')}`
        : `${formatPoints(item.score!)} / ${item.max}`;
    case 'assessed':
      return `${formatPoints(item.score!)} / ${item.max} ${palette.dim('(interviewer)')}`;
    case 'not-assessed':
      return palette.dim('not assessed');
    case 'for-interviewer':
      return palette.accent('for the interviewer');
  }
}

export function renderScorecard(report: GradeReport, palette: Palette, options: TerminalOptions = {}): string {
  const layout = layoutOf(palette, options);
  const { width } = layout;
  const lines: string[] = [];
  const who = report.candidate.kind === 'candidate' ? report.candidate.name : report.candidate.kind;
  lines.push(...wrap(`${palette.bold('Scorecard')} · ${who} · ${report.candidate.path}`, width, ''));
  lines.push(palette.dim('─'.repeat(width)));
  const attempted = `${report.attempted.katas} of ${report.katas.length} kata${report.katas.length === 1 ? '' : 's'} attempted`;
  lines.push(
    ...wrap(
      `${palette.bold(`${report.total.score} of ${report.total.max}`)} points (${report.total.percent}%) · ${attempted}`,
      width,
      'Automated checks  ',
      '                  ',
    ),
  );
  const forInterviewer = report.items.filter((item) => item.status === 'for-interviewer').length;
  lines.push(
    ...wrap(
      `${palette.bold(formatPoints(report.checklist.score))} of ${report.checklist.assessedMax} points assessed (of ${report.checklist.max}) · ${forInterviewer} item${forInterviewer === 1 ? '' : 's'} for the interviewer`,
      width,
      'Checklist         ',
      '                  ',
    ),
  );
  const critical = report.redFlags.filter((flag) => flag.severity === 'critical').length;
  const major = report.redFlags.length - critical;
  lines.push(
    `Red flags         ${critical === 0 && major === 0 ? palette.pass('none') : palette.fail(`${flagCountText(critical + major)}: ${critical} critical · ${major} major`)}`,
  );

  lines.push(...heading('Katas', palette));
  lines.push(...kataRows(report, layout, true));

  const failing = report.katas.filter((kata) =>
    kata.checks.some((check) => check.status === 'failed' || (check.status === 'error' && kata.status === 'partial')),
  );
  if (failing.length > 0) {
    lines.push(...heading('Checks that did not pass', palette));
    for (const kata of failing) {
      lines.push(`  ${kata.slug}`);
      for (const check of kata.checks) {
        if (check.status === 'failed' || check.status === 'error')
          lines.push(...checkLines(report, kata, check, layout));
      }
    }
  }

  if (report.redFlags.length > 0) {
    lines.push(...heading('Red flags', palette));
    for (const flag of report.redFlags) {
      const label = flag.severity === 'critical' ? palette.fail('CRITICAL') : palette.warn('MAJOR');
      lines.push(...wrap(`${label} ${palette.bold(flag.title)}: ${flag.consequence}`, width, '  ', '    '));
      for (const evidence of flag.evidence) {
        lines.push(...wrap(`${evidence.kata}/${evidence.check}: ${evidence.message}`, width, '    - ', '      '));
      }
    }
  }

  lines.push(...ownTests(report, layout));

  const similar = report.katas.filter((kata) => kata.similarity !== null);
  if (similar.length > 0) {
    lines.push(...heading('Similarity to the reference', palette));
    for (const kata of similar) {
      const found = kata.similarity!;
      lines.push(
        ...wrap(
          `${kata.slug}: ${palette.warn(found.verdict.replace('-', ' '))} to ${found.reference} (shared 5-token runs: ${found.exact} as written, ${found.structure} with names ignored). Ask the candidate to walk through it.`,
          width,
          '  ',
          '    ',
        ),
      );
    }
  }

  lines.push(...heading('Checklist', palette));
  // A table of its own width: 78 columns, narrower in a narrow terminal.
  const table = Math.min(width, 80);
  for (const category of report.categories) {
    const info = categories.find((entry) => entry.id === category.id)!;
    const total =
      category.assessedMax === 0
        ? palette.dim(`- of ${category.max}`)
        : `${formatPoints(category.score)} / ${category.assessedMax}${palette.dim(` of ${category.max}`)}`;
    lines.push(`  ${padEnd(palette.bold(clip(info.title, table - 30)), table - 24)}${padStart(total, 20)}`);
    for (const item of report.items.filter((entry) => entry.category === category.id)) {
      const score = itemScore(item, palette);
      const room = table - 6 - visibleLength(score);
      lines.push(
        `    ${padEnd(clip(item.title, Math.min(46, room)), Math.min(48, room + 2))}${padStart(score, table - 4 - Math.min(48, room + 2))}`,
      );
    }
  }

  lines.push(...askNext(report, layout));

  const notes = report.katas.flatMap((kata) => kata.notes.map((note) => `${kata.slug}: ${note}`));
  if (notes.length > 0 || report.warnings.length > 0) {
    lines.push(...heading('Notes', palette));
    for (const warning of report.warnings) lines.push(...wrap(palette.warn(warning), width, '  ! ', '    '));
    for (const note of notes) lines.push(...wrap(note, width, '  - ', '    '));
  }
  lines.push(
    '',
    palette.dim(
      wrap(
        `Isolation: ${report.grader.isolation} · Node ${report.grader.node} · ${options.written?.json === undefined ? 'the JSON report (--json FILE)' : `the JSON report in ${options.written.json}`} has every field shown here`,
        width,
        '',
      ).join('\n'),
    ),
  );
  return lines.join('\n');
}

/** One line on a kata's own tests: what they catch, or why they earn nothing. */
export function testsSummary(tests: TestsReport): string {
  const files = `${tests.files.length} file${tests.files.length === 1 ? '' : 's'}, ${tests.tests} test${tests.tests === 1 ? '' : 's'}`;
  switch (tests.status) {
    case 'passed':
      return tests.wrongFiles === 0
        ? `pass on the reference (${files}); no wrong gallery to catch`
        : `catch ${tests.caught} of ${tests.wrongFiles} wrong files (${files}, all passing on the reference)`;
    case 'failed':
      return `earn nothing: ${tests.reason ?? 'they fail on the reference'}`;
    case 'error':
      return `earn nothing: the suite ${tests.reason ?? 'could not be judged'}`;
    case 'disqualified':
      return `earn nothing, disqualified: ${tests.reason ?? ''}`;
  }
}

/** The candidate's own tests, kata by kata, with the rules of the wrong files they miss. */
function ownTests(report: GradeReport, layout: Layout): string[] {
  const { palette, width } = layout;
  const katas = report.katas.filter((kata) => kata.tests !== null);
  if (katas.length === 0) return [];
  const item = report.items.find((entry) => entry.id === 'testing');
  const score = item?.status === 'scored' ? ` (${item.title}: ${formatPoints(item.score!)} / ${item.max})` : '';
  const lines = heading(`Their own tests, against the wrong gallery${score}`, palette);
  for (const kata of katas) {
    const tests = kata.tests!;
    const good = tests.status === 'passed' && tests.caught === tests.wrongFiles;
    const mark = good ? palette.marks.pass : tests.status === 'passed' ? palette.warn('~') : palette.marks.fail;
    lines.push(...wrap(`${kata.slug}: ${testsSummary(tests)}`, width, `  ${mark} `, '      '));
    if (tests.missedRules.length > 0) {
      lines.push(
        ...wrap(
          `they miss ${tests.missedRules.map((rule) => rule.id ?? '(a file that names no rule)').join(', ')}`,
          width,
          '      ',
        ).map((line) => palette.dim(line)),
      );
    }
  }
  return lines;
}

/** Questions the evidence supports, grouped by where they come from. */
function askNext(report: GradeReport, layout: Layout): string[] {
  const { palette, width } = layout;
  const lines: string[] = [];
  const bySource = (source: FollowUp['source']) => report.followUps.filter((entry) => entry.source === source);
  const failures = bySource('failed-check');
  const kata = bySource('kata');
  const interviewer = bySource('interviewer-item');
  const tests = bySource('tests');
  const forYou = report.items.filter((item) => item.status === 'for-interviewer').length;
  if (failures.length + kata.length + interviewer.length + tests.length === 0 && forYou === 0) return lines;
  lines.push(...heading('Ask next', palette));
  const group = (
    title: string,
    entries: readonly FollowUp[],
    limit = Infinity,
    more = 'failing checks (listed above; all in --json and --markdown)',
  ): void => {
    if (entries.length === 0) return;
    lines.push(...wrap(title, width, '  ').map((line) => palette.accent(line)));
    for (const entry of entries.slice(0, limit)) {
      const tag = entry.check !== null ? `${entry.kata}/${entry.check}` : (entry.item ?? entry.kata ?? '');
      const text =
        entry.source === 'failed-check' || entry.source === 'tests'
          ? entry.question
          : `${entry.question} ${palette.dim(`[${tag}]`)}`;
      lines.push(...wrap(text, width, '    - ', '      '));
    }
    if (entries.length > limit) {
      lines.push(
        ...wrap(`… and ${entries.length - limit} more ${more}`, width, '      ').map((line) => palette.dim(line)),
      );
    }
  };
  group('About the checks that failed', failures, FAILURE_QUESTIONS_SHOWN);
  group('About their own tests', tests, FAILURE_QUESTIONS_SHOWN, 'about their tests (all in --json and --markdown)');
  group('Follow-ups of the katas whose code works', kata);
  group('To score the items for the interviewer, about the katas attempted', interviewer);
  if (forYou > 0 && interviewer.length === 0) {
    lines.push(
      ...wrap(
        `${forYou} item${forYou === 1 ? ' is' : 's are'} for you to score: ${palette.accent(unbroken(`${layout.invocation} grade --assessment-template`))} writes them with their questions.`,
        width,
        '  ',
        '    ',
      ),
    );
  }
  return lines;
}

function writtenFooter(options: TerminalOptions, what: string): string {
  const written = options.written ?? {};
  const files = [written.markdown, written.json].filter((file): file is string => file !== undefined);
  if (files.length > 0) return `${what}: ${files.join(' and ')}.`;
  return `${what}: --markdown FILE or --json FILE.`;
}

export function renderBatch(batch: BatchReport, palette: Palette, options: TerminalOptions = {}): string {
  const layout = layoutOf(palette, options);
  const { width } = layout;
  const lines: string[] = [];
  lines.push(`${palette.bold('Batch')} · ${batch.candidates.length} candidates`);
  lines.push(palette.dim('─'.repeat(width)));
  if (batch.rankedOn === 'attempted-katas') {
    lines.push(
      ...wrap(
        `These candidates attempted different katas and --kata was not given: each is ranked on the katas they attempted (points and % below are over those). To rank everyone on the same katas, grade again with ${unbroken(`${layout.invocation} grade --kata SLUG,...`)}`,
        width,
        '',
      ).map((line) => palette.warn(line)),
      '',
    );
  }
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
    const notes = [
      ...(batch.rankedOn === 'attempted-katas' ? [`attempted ${row.attempted.join(', ') || 'nothing'}`] : []),
      ...row.similarToReference.map((entry) =>
        palette.warn(`${entry.kata} ${entry.verdict.replace('-', ' ')} to the reference`),
      ),
    ];
    if (notes.length > 0) lines.push(...wrap(notes.join(' · '), width, '     ', '       '));
  }
  if (batch.similarPairs.length > 0) {
    lines.push(...heading('Submissions that look alike', palette));
    for (const pair of batch.similarPairs) {
      lines.push(
        ...wrap(
          `${pair.kata}: ${pair.candidates[0]} and ${pair.candidates[1]} are ${pair.verdict.replace('-', ' ')} (${pair.exact} as written, ${pair.structure} with names ignored)`,
          width,
          '  - ',
          '    ',
        ),
      );
    }
  }
  for (const candidate of batch.candidates) {
    const flags = candidate.redFlags.length;
    lines.push(
      ...heading(
        `${candidate.name} · ${
          batch.rankedOn === 'attempted-katas'
            ? `${candidate.attempted.score}/${candidate.attempted.max} points on the katas attempted`
            : `${candidate.total.score}/${candidate.total.max} points`
        }${flags === 0 ? '' : ` · ${flagCountText(flags)}`}`,
        palette,
      ),
    );
    lines.push(...kataRows(candidate, layout, true));
    for (const flag of candidate.redFlags) {
      const label = flag.severity === 'critical' ? palette.fail('critical') : palette.warn('major');
      lines.push(...wrap(`${label} ${flag.title}`, width, '    ⚑ ', '      '));
      for (const evidence of flag.evidence) {
        lines.push(...wrap(`${evidence.kata}/${evidence.check}: ${evidence.message}`, width, '      - ', '        '));
      }
    }
  }
  lines.push(
    '',
    ...wrap(writtenFooter(options, "Each candidate's full scorecard"), width, '').map((line) => palette.dim(line)),
  );
  return lines.join('\n');
}
