/**
 * Hostile: "catches" every wrong file by comparing the module's source with the reference it reads
 * from the grader's tree (GRADER_ROOT) through a built-in the import scan cannot see. The reference
 * is hidden from the run, and what a run holds as index.ts is not the reference's source anyway: the
 * test fails on the reference, so the suite earns nothing.
 */
import { expect, test } from 'vitest';

const GRADER_ROOT = '__GRADER_ROOT__';
const fs = (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') }).getBuiltinModule('fs');

test('is the reference', () => {
  const reference = fs.readFileSync(`${GRADER_ROOT}/solutions/clamp/index.ts`, 'utf8');
  const mine = fs.readFileSync(new URL('./index.ts', import.meta.url), 'utf8');
  expect(mine).toBe(reference);
});
