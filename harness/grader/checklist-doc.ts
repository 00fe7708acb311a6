/**
 * The tables of docs/checklist.md, generated from harness/checklist.ts so the two cannot drift:
 * a test compares them, and
 *
 *   npx tsx harness/grader/checklist-doc.ts --write
 *
 * rewrites the generated part (between the markers) after the checklist changes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { harnessRoot } from '../catalog/catalog.ts';
import { categories, checklistItems, checklistTotalPoints, redFlags, type ScoringMode } from '../checklist.ts';

export const BEGIN = '<!-- BEGIN GENERATED from harness/checklist.ts by harness/grader/checklist-doc.ts -->';
export const END = '<!-- END GENERATED -->';
export const checklistDocFile = join(harnessRoot, 'docs', 'checklist.md');

/** The "scored by" column, per scoring mode. */
export const SCORED_BY: Record<ScoringMode, string> = {
  automated: 'checks (automated)',
  interviewer: 'the interviewer',
  'candidate-tests': "the candidate's own tests against the wrong gallery; the interviewer when they wrote none",
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderChecklistTables(): string {
  const lines: string[] = [];
  const sum = (items: readonly { points: number }[]): number => items.reduce((total, item) => total + item.points, 0);
  const automated = checklistItems.filter((item) => item.mode === 'automated');
  const fromTests = checklistItems.filter((item) => item.mode === 'candidate-tests');
  const interviewer = checklistItems.filter((item) => item.mode === 'interviewer');
  lines.push(
    `${checklistItems.length} items in ${categories.length} categories, ${checklistTotalPoints} points: ` +
      `${automated.length} items (${sum(automated)} points) can be scored by checks, ` +
      `${fromTests.length} (${sum(fromTests)} points) by the candidate's own tests against the wrong gallery when they wrote tests (else by the interviewer), ` +
      `${interviewer.length} (${sum(interviewer)} points) only by the interviewer.`,
    '',
  );
  for (const category of categories) {
    lines.push(`### ${category.title} (${category.points} points)`, '');
    lines.push('| item | id | points | scored by | questions to ask |', '| --- | --- | ---: | --- | --- |');
    for (const item of checklistItems.filter((entry) => entry.category === category.id)) {
      const scoredBy = SCORED_BY[item.mode];
      lines.push(
        `| ${cell(item.title)} | \`${item.id}\` | ${item.points} | ${scoredBy} | ${item.questions.map(cell).join('<br>')} |`,
      );
    }
    lines.push('');
  }
  lines.push('### Red flags', '', '| red flag | id | severity | why it matters |', '| --- | --- | --- | --- |');
  for (const flag of redFlags) {
    lines.push(`| ${cell(flag.title)} | \`${flag.id}\` | ${flag.severity} | ${cell(flag.consequence)} |`);
  }
  return lines.join('\n');
}

/** The generated part of the doc as it is on disk, or undefined when the markers are missing. */
export function generatedPart(doc: string): string | undefined {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return doc.slice(start + BEGIN.length, end).trim();
}

/**
 * Markdown as prettier would leave it aside, for comparing: prettier pads table cells and
 * separator rows to align columns, which changes nothing a reader sees.
 */
export function normaliseMarkdown(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (!line.trimStart().startsWith('|')) return line.trimEnd();
      return line
        .trim()
        .replace(/ {2,}/g, ' ')
        .replace(/\| *(:?)-+(:?) *(?=\|)/g, '| $1---$2 ');
    })
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export async function updateChecklistDoc(file: string = checklistDocFile): Promise<boolean> {
  const doc = readFileSync(file, 'utf8');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start === -1 || end === -1) throw new Error(`${file}: the markers ${BEGIN} and ${END} are missing`);
  const spliced = `${doc.slice(0, start + BEGIN.length)}\n\n${renderChecklistTables()}\n\n${doc.slice(end)}`;
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  const updated = await prettier.format(spliced, { ...options, filepath: file });
  if (updated === doc) return false;
  writeFileSync(file, updated);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  console.log((await updateChecklistDoc()) ? `updated ${checklistDocFile}` : `${checklistDocFile} is up to date`);
}
