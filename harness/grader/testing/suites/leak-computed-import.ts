/**
 * Leak: loads modules whose paths are spelled from the target's text (a query on ./index.ts, a
 * missing file, a file it writes to /tmp), hoping the grader names what was loaded in a report.
 */
import { expect, test } from 'vitest';
import { clamp } from '../../hostile/fixture/clamp/stub.ts';

const fs = (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') }).getBuiltinModule('fs');
const src = String(clamp);
const words = src
  .replace(/[^A-Za-z ]/g, ' ')
  .replace(/ +/g, ' ')
  .slice(0, 120);
const attempts = [`./index.ts?${encodeURIComponent(words)}`, `/nonexistent/${words}.mjs`];
try {
  const file = `/tmp/${words}.mjs`;
  fs.writeFileSync(file, 'export const x = 1;\n');
  attempts.push(file, `${file}?${encodeURIComponent(words)}`);
} catch {
  // No /tmp to write: the other attempts remain.
}
for (const path of attempts) {
  try {
    await import(/* @vite-ignore */ path);
  } catch {
    // Not loadable: only the attempt counts.
  }
}

test('clamp(-1, 0, 10) is 0', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
