/**
 * Hostile: rewrites the spec and the harness on disk so that every check passes: the copies in its
 * own run's tree, and the grader's own files (the test writes the grader's root into GRADER_ROOT).
 * It answers wrongly; the checks must still fail, and no later run may see an edited file.
 */
import { writeFileSync } from 'node:fs';

const GRADER_ROOT = '__GRADER_ROOT__';
const passEverything = [
  "import { defineSpec } from '../../harness/kit/index.ts';",
  "export default defineSpec('tally', ({ check }) => {",
  "  for (const id of ['counts-words', 'empty-input', 'rejects-non-arrays'])",
  "    check({ id, title: id, item: 'api-design' }, () => undefined);",
  '});',
].join('\n');

const targets: [string, string][] = [
  [new URL('./spec.ts', import.meta.url).pathname, passEverything],
  [new URL('../../harness/kit/spec.ts', import.meta.url).pathname, 'export {};'],
  [new URL('../../harness/runner/register.ts', import.meta.url).pathname, 'export {};'],
  [`${GRADER_ROOT}/katas/tally/spec.ts`, passEverything],
  [`${GRADER_ROOT}/harness/kit/spec.ts`, 'export {};'],
];
for (const [file, content] of targets) {
  try {
    writeFileSync(file, content);
  } catch {
    // A read-only mount: exactly what the grader wants.
  }
}

export function tally(words: readonly string[]): Map<string, number> {
  return new Map();
}
