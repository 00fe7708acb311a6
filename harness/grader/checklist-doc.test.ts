import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { checklistItems, redFlags } from '../checklist.ts';
import { checklistDocFile, generatedPart, normaliseMarkdown, renderChecklistTables } from './checklist-doc.ts';

const doc = readFileSync(checklistDocFile, 'utf8');

test('docs/checklist.md shows the checklist exactly as harness/checklist.ts defines it', () => {
  const onDisk = generatedPart(doc);
  expect(onDisk, 'the generated markers are missing from docs/checklist.md').toBeDefined();
  expect(
    normaliseMarkdown(onDisk!),
    'docs/checklist.md is out of date: run npx tsx harness/grader/checklist-doc.ts --write',
  ).toBe(normaliseMarkdown(renderChecklistTables()));
});

test('the generated tables name every item, its mode and every red flag', () => {
  const tables = renderChecklistTables();
  for (const item of checklistItems) {
    expect(tables).toContain(`\`${item.id}\``);
    expect(tables).toContain(item.mode === 'automated' ? 'checks (automated)' : 'the interviewer');
  }
  for (const flag of redFlags) expect(tables).toContain(`\`${flag.id}\``);
});
