/** A file that does not compile is said once, with the compiler's message and code frame. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { compileProblem } from './compile.ts';

const root = mkdtempSync(join(tmpdir(), 'kata-compile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function kataFile(name: string, source: string): string {
  const dir = join(root, 'katas', 'anagram');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), source);
  return join(dir, name);
}

test('a syntax error gives the message, where it is, and the code frame with its caret', async () => {
  const file = kataFile('index.ts', 'export function isAnagram(a: string, b: string {\n  return a === b;\n}\n');
  const problem = await compileProblem(file, root);
  expect(problem?.summary).toBe(
    'katas/anagram/index.ts does not compile: Expected ")" but found "{" (katas/anagram/index.ts:1:48)',
  );
  const frame = problem!.detail.split('\n');
  expect(frame[0]).toBe('1 │ export function isAnagram(a: string, b: string {');
  expect(frame[1]).toBe(`  │ ${' '.repeat(47)}^`);
});

test('an error in a file of its own folder it imports counts too; imports outside it are left alone', async () => {
  kataFile('helper.ts', 'export const count = (;\n');
  const file = kataFile(
    'index.ts',
    "import { NotImplementedError } from '../../harness/kit/index.ts';\nimport { count } from './helper.ts';\nexport { count, NotImplementedError };\n",
  );
  expect((await compileProblem(file, root))?.summary).toMatch(
    /^katas\/anagram\/index\.ts does not compile: .*helper\.ts:1:/,
  );
});

test('a file that compiles has no problem', async () => {
  const file = kataFile(
    'index.ts',
    "import fc from 'fast-check';\nexport const isAnagram = (a: string, b: string): boolean => a === b && fc !== undefined;\n",
  );
  expect(await compileProblem(file, root)).toBeUndefined();
});
