/** The scorecard as Markdown, to paste into a hiring packet. */
import { replayCommand } from '../../runner/replay.ts';
import { categories } from '../../checklist.ts';
import type { BatchReport, GradeReport, ItemReport, KataReport } from '../report.ts';
import { formatPoints } from './text.ts';

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
      return `${formatPoints(item.score!)} / ${item.max}`;
    case 'assessed':
      return `${formatPoints(item.score!)} / ${item.max} (interviewer)`;
    case 'not-assessed':
      return 'not assessed';
    case 'for-interviewer':
      return 'for the interviewer';
  }
}

export function renderMarkdown(report: GradeReport, level = 1): string {
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
  out.push(
    `- Red flags: ${report.redFlags.length === 0 ? 'none' : `${critical} critical, ${report.redFlags.length - critical} major`}`,
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
      `| ${cell(kata.slug)} | ${kata.difficulty} | ${kata.score}/${kata.max} | ${kata.checksPassed}/${kata.checksTotal} | ${STATUS[kata.status]}${kata.reason !== null && kata.status !== 'not-started' ? `: ${cell(kata.reason)}` : ''} | ${kata.redFlags.length} |`,
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
        const replay =
          check.seed === null
            ? ''
            : ` (replay: ${code(replayCommand(kata.slug, check.id, check.seed, { thorough: true }))})`;
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
        .map((entry) => `${entry.kata} ${entry.checksPassed}/${entry.checksTotal} checks`)
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
      ['Suggested by the failures', report.followUps.filter((entry) => entry.source === 'failed-check')],
      ['Follow-ups of the katas attempted', report.followUps.filter((entry) => entry.source === 'kata')],
      [
        'To score the items for the interviewer',
        report.followUps.filter((entry) => entry.source === 'interviewer-item'),
      ],
    ];
    for (const [title, entries] of groups) {
      if (entries.length === 0) continue;
      out.push('', `**${title}**`, '');
      for (const entry of entries) out.push(`- ${cell(entry.question)} (${entry.item ?? entry.kata ?? ''})`);
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

export function renderBatchMarkdown(batch: BatchReport): string {
  const out: string[] = [];
  out.push(
    `# Batch grading: ${batch.candidates.length} candidates`,
    '',
    `Graded ${batch.generatedAt} (grader ${batch.grader.version}).`,
    '',
  );
  out.push(
    '| # | candidate | points | % | checklist | critical flags | major flags |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const row of batch.ranking) {
    out.push(
      `| ${row.rank} | ${cell(row.name)} | ${row.score}/${row.max} | ${row.percent.toFixed(1)} | ${formatPoints(row.checklist)} | ${row.criticalFlags} | ${row.majorFlags} |`,
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
  for (const candidate of batch.candidates) out.push('', renderMarkdown(candidate, 2).trimEnd());
  return `${out.join('\n')}\n`;
}
