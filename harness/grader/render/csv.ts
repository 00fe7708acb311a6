/** The ranking as CSV (RFC 4180): one row per candidate, one column per kata. */
import type { BatchReport } from '../report.ts';

function field(value: string | number): string {
  const text = String(value);
  // A leading =, +, - or @ would run as a formula in a spreadsheet: a candidate names their folder.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function renderCsv(batch: BatchReport): string {
  const slugs = batch.candidates[0]?.katas.map((kata) => kata.slug) ?? [];
  const header = [
    'rank',
    'candidate',
    'score',
    'max',
    'percent',
    'checklist',
    'checklist_assessed_max',
    'katas_attempted',
    'critical_flags',
    'major_flags',
    'ranked_on',
    'similar_to_reference',
    ...slugs.flatMap((slug) => [`${slug}_score`, `${slug}_max`, `${slug}_status`]),
    // The candidate's own tests: the item's score, and per kata the wrong files caught (blank without tests).
    'testing',
    ...slugs.flatMap((slug) => [`${slug}_tests_caught`, `${slug}_tests_wrong_files`, `${slug}_tests_status`]),
  ];
  const rows = batch.ranking.map((row): (string | number)[] => {
    const report = batch.candidates.find((candidate) => candidate.name === row.name)!;
    const similar = row.similarToReference.map((entry) => `${entry.kata}:${entry.verdict}`);
    return [
      row.rank,
      row.name,
      row.score,
      row.max,
      row.percent,
      row.checklist,
      report.checklist.assessedMax,
      report.attempted.katas,
      row.criticalFlags,
      row.majorFlags,
      batch.rankedOn,
      similar.join(' '),
      ...slugs.flatMap((slug): (string | number)[] => {
        const kata = report.katas.find((entry) => entry.slug === slug);
        return kata === undefined ? ['', '', ''] : [kata.score, kata.max, kata.status];
      }),
      report.items.find((item) => item.id === 'testing' && item.status === 'scored' && item.mode === 'candidate-tests')
        ?.score ?? '',
      ...slugs.flatMap((slug): (string | number)[] => {
        const tests = report.katas.find((entry) => entry.slug === slug)?.tests ?? null;
        return tests === null
          ? ['', '', '']
          : [tests.status === 'passed' ? tests.caught : 0, tests.wrongFiles, tests.status];
      }),
    ];
  });
  return `${[header, ...rows].map((row) => row.map(field).join(',')).join('\r\n')}\r\n`;
}
