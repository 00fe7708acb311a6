/** The scorecard as Markdown, to paste into a hiring packet. */
import { kataCommand } from '../../runner/replay.ts';
import { categories } from '../../checklist.ts';
import type { BatchReport, GradeReport, ItemReport, KataReport } from '../report.ts';
import { formatPoints } from './text.ts';
import { replayFor } from './terminal.ts';

export interface MarkdownOptions {
  /** How the interviewer runs the harness, for the replay commands: `kata` or `npx kata`. Default: detected. */
  readonly invocation?: string;
  /** A batch: each candidate's full scorecard after the ranking. Default: true. */
  readonly scorecards?: boolean;
}

/** A reason's first line, for a table cell; the lines after it (a code frame) go in a block below. */
function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function fenced(text: string): string[] {
  const fence = text.includes('```') ? '~~~~' : '```';
  return [`${fence}text`, text, fence];
}

/** Escapes text for a Markdown table cell or inline position. */
function cell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
    .replace(/([*_`<>[\]])/g, '\\$1');
}

function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${text}${fence}`;
}

const STATUS: Record<KataReport['status'], string> = {
  passed: 'passed',
  partial: 'partial',
  failed: 'failed',
  'not-started': 'not started',
  'not-attempted': 'not attempted',
  error: 'error',
  disqualified: 'disqualified',
};

function itemScore(item: ItemReport): string {
  switch (item.status) {
    case 'scored':
      return item.mode === 'candidate-tests'
        ? `${formatPoints(item.score!)} / ${item.max} (their tests)`
        : `${formatPoints(item.score!)} / ${item.max}`;
    case 'assessed':
      return `${formatPoints(item.score!)} / ${item.max} (interviewer)`;
    case 'not-assessed':
      return 'not assessed';
    case 'for-interviewer':
      return 'for the interviewer';
  }
}

export function renderMarkdown(report: GradeReport, level = 1, options: MarkdownOptions = {}): string {
  const invocation = options.invocation ?? kataCommand();
  const h = (depth: number): string => '#'.repeat(Math.min(6, level + depth - 1));
  const out: string[] = [];
  const who = report.candidate.kind === 'candidate' ? report.candidate.name : report.candidate.kind;
  out.push(`${h(1)} Scorecard: ${cell(who)}`, '');
  out.push(
    `- Graded: ${report.generatedAt} (grader ${report.grader.version}, Node ${report.grader.node}, isolation ${report.grader.isolation})`,
  );
  out.push(`- Source: ${code(report.candidate.path)}`);
  out.push(
    `- Automated checks: **${report.total.score} of ${report.total.max} points** (${report.total.percent}%), ${report.attempted.katas} of ${report.katas.length} katas attempted`,
  );
  out.push(
    `- Checklist: **${formatPoints(report.checklist.score)} of ${report.checklist.assessedMax} points assessed** (of ${report.checklist.max})`,
  );
  const critical = report.redFlags.filter((flag) => flag.severity === 'critical').length;
  const flags = report.redFlags.length;
  out.push(
    `- Red flags: ${flags === 0 ? 'none' : `${flags} red flag${flags === 1 ? '' : 's'}: ${critical} critical, ${flags - critical} major`}`,
  );
  if (report.assessment !== null) {
    out.push(
      `- Assessment: ${code(report.assessment.file)}${report.assessment.interviewer ? ` by ${cell(report.assessment.interviewer)}` : ''}${report.assessment.date ? ` on ${cell(report.assessment.date)}` : ''}`,
    );
  }
  out.push(
    '',
    `${h(2)} Katas`,
    '',
    '| kata | difficulty | points | checks | status | red flags |',
    '| --- | --- | ---: | ---: | --- | ---: |',
  );
  for (const kata of report.katas) {
    out.push(
      `| ${cell(kata.slug)} | ${kata.difficulty} | ${kata.score}/${kata.max} | ${kata.checksPassed}/${kata.checksTotal} | ${STATUS[kata.status]}${kata.reason !== null && kata.status !== 'not-started' ? `: ${cell(firstLine(kata.reason))}` : ''}${kata.similarity === null ? '' : ` (${kata.similarity.verdict.replace('-', ' ')} to the reference)`} | ${kata.redFlags.length} |`,
    );
  }
  // A compiler's message keeps its code frame: below the table, as it printed it.
  for (const kata of report.katas) {
    if (kata.reason === null || !kata.reason.includes('\n')) continue;
    out.push(
      '',
      `${cell(kata.slug)}: ${cell(firstLine(kata.reason))}`,
      '',
      ...fenced(kata.reason.split('\n').slice(1).join('\n').replace(/^\n+/, '')),
    );
  }

  const failing = report.katas.filter((kata) =>
    kata.checks.some((check) => check.status === 'failed' || check.status === 'error'),
  );
  const detailed = failing.filter((kata) => kata.status !== 'disqualified' && kata.status !== 'error');
  if (detailed.length > 0) {
    out.push('', `${h(2)} Checks that did not pass`);
    for (const kata of detailed) {
      out.push(
        '',
        `${h(3)} ${cell(kata.slug)}`,
        '',
        '| check | item | points | result |',
        '| --- | --- | ---: | --- |',
      );
      for (const check of kata.checks) {
        if (check.status !== 'failed' && check.status !== 'error') continue;
        const command = replayFor(report, kata, check, invocation);
        const replay = command === undefined ? '' : ` (replay: ${code(command)})`;
        out.push(
          `| ${code(check.id)} | ${check.item} | ${check.points} | ${check.status}: ${cell(check.message)}${replay} |`,
        );
      }
    }
  }

  if (report.redFlags.length > 0) {
    out.push('', `${h(2)} Red flags`, '');
    for (const flag of report.redFlags) {
      out.push(`- **${flag.severity}: ${cell(flag.title)}** (${cell(flag.consequence)})`);
      for (const evidence of flag.evidence) {
        out.push(`  - ${code(`${evidence.kata}/${evidence.check}`)}: ${cell(evidence.message)}`);
      }
    }
  }

  const tested = report.katas.filter((kata) => kata.tests !== null);
  if (tested.length > 0) {
    out.push(
      '',
      `${h(2)} Their own tests, against the wrong gallery`,
      '',
      'A wrong file is caught when a test that passes on the reference fails on it; a suite that fails on the reference earns nothing.',
      '',
      '| kata | test files | tests | on the reference | wrong files caught | rules missed |',
      '| --- | --- | ---: | --- | ---: | --- |',
    );
    for (const kata of tested) {
      const tests = kata.tests!;
      const reference =
        tests.status === 'passed'
          ? `passes (${tests.passedOnReference} of ${tests.tests})`
          : `${tests.status}: ${cell(tests.reason ?? '')}`;
      const caught =
        tests.wrongFiles === 0 ? 'no gallery' : `${tests.status === 'passed' ? tests.caught : 0}/${tests.wrongFiles}`;
      const missed = tests.missedRules.map((rule) => code(rule.id ?? '(names no rule)')).join(', ');
      out.push(
        `| ${cell(kata.slug)} | ${tests.files.map((file) => code(file)).join(', ')} | ${tests.tests} | ${reference} | ${caught} | ${missed} |`,
      );
    }
  }

  const similar = report.katas.filter((kata) => kata.similarity !== null);
  if (similar.length > 0) {
    out.push('', `${h(2)} Similarity to the reference`, '');
    for (const kata of similar) {
      const found = kata.similarity!;
      out.push(
        `- ${cell(kata.slug)}: ${found.verdict.replace('-', ' ')} to ${code(found.reference)} (shared 5-token runs: ${found.exact} as written, ${found.structure} with names ignored)`,
      );
    }
  }

  out.push(
    '',
    `${h(2)} Evaluation checklist`,
    '',
    '| category | item | mode | score | evidence |',
    '| --- | --- | --- | ---: | --- |',
  );
  for (const category of report.categories) {
    const title = categories.find((entry) => entry.id === category.id)!.title;
    for (const item of report.items.filter((entry) => entry.category === category.id)) {
      const evidence = item.evidence
        .map((entry) =>
          item.mode === 'candidate-tests'
            ? `${entry.kata} caught ${entry.earned}/${entry.max} wrong files`
            : `${entry.kata} ${entry.checksPassed}/${entry.checksTotal} checks`,
        )
        .join(', ');
      const notes = item.notes === null ? '' : `${evidence ? '; ' : ''}notes: ${cell(item.notes)}`;
      out.push(
        `| ${cell(title)} | ${cell(item.title)} | ${item.mode} | ${itemScore(item)} | ${cell(evidence)}${notes} |`,
      );
    }
    out.push(
      `| **${cell(title)}** | | | **${formatPoints(category.score)} / ${category.assessedMax}** (of ${category.max}) | |`,
    );
  }

  if (report.followUps.length > 0) {
    out.push('', `${h(2)} Questions to ask`);
    const groups: [string, GradeReport['followUps']][] = [
      ['About the checks that failed', report.followUps.filter((entry) => entry.source === 'failed-check')],
      ['About their own tests', report.followUps.filter((entry) => entry.source === 'tests')],
      ['Follow-ups of the katas whose code works', report.followUps.filter((entry) => entry.source === 'kata')],
      [
        'To score the items for the interviewer, about the katas attempted',
        report.followUps.filter((entry) => entry.source === 'interviewer-item'),
      ],
    ];
    for (const [title, entries] of groups) {
      if (entries.length === 0) continue;
      out.push('', `**${title}**`, '');
      for (const entry of entries) {
        out.push(
          entry.source === 'failed-check' || entry.source === 'tests'
            ? `- ${cell(entry.question)}`
            : `- ${cell(entry.question)} (${entry.item ?? entry.kata ?? ''})`,
        );
      }
    }
  }

  const notes = report.katas.flatMap((kata) => kata.notes.map((note) => `${kata.slug}: ${note}`));
  if (notes.length > 0 || report.warnings.length > 0 || report.assessment?.notes) {
    out.push('', `${h(2)} Notes`, '');
    for (const warning of report.warnings) out.push(`- **Warning:** ${cell(warning)}`);
    if (report.assessment?.notes) out.push(`- Interviewer: ${cell(report.assessment.notes)}`);
    for (const note of notes) out.push(`- ${cell(note)}`);
  }
  return `${out.join('\n')}\n`;
}

export function renderBatchMarkdown(batch: BatchReport, options: MarkdownOptions = {}): string {
  const out: string[] = [];
  out.push(
    `# Batch grading: ${batch.candidates.length} candidates`,
    '',
    `Graded ${batch.generatedAt} (grader ${batch.grader.version}).`,
    '',
  );
  if (batch.rankedOn === 'attempted-katas') {
    out.push(
      'These candidates attempted different katas and `--kata` was not given: each is ranked on the katas they attempted (points and % are over those).',
      '',
    );
  }
  out.push(
    '| # | candidate | points | % | checklist | critical flags | major flags | attempted | similar to the reference |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  );
  for (const row of batch.ranking) {
    const similar = row.similarToReference
      .map((entry) => `${entry.kata} ${entry.verdict.replace('-', ' ')}`)
      .join(', ');
    out.push(
      `| ${row.rank} | ${cell(row.name)} | ${row.score}/${row.max} | ${row.percent.toFixed(1)} | ${formatPoints(row.checklist)} | ${row.criticalFlags} | ${row.majorFlags} | ${cell(row.attempted.join(', '))} | ${cell(similar)} |`,
    );
  }
  if (batch.similarPairs.length > 0) {
    out.push('', '## Submissions that look alike', '');
    for (const pair of batch.similarPairs) {
      out.push(
        `- ${cell(pair.kata)}: ${cell(pair.candidates[0])} and ${cell(pair.candidates[1])} are ${pair.verdict.replace('-', ' ')} (${pair.exact} as written, ${pair.structure} with names ignored)`,
      );
    }
  }
  if (options.scorecards === false) {
    out.push('', "Each candidate's full scorecard is in the Markdown report (`--markdown FILE`).");
  } else {
    for (const candidate of batch.candidates) out.push('', renderMarkdown(candidate, 2, options).trimEnd());
  }
  return `${out.join('\n')}\n`;
}
