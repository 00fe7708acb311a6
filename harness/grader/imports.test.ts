import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { scanSubmission, scanTestFiles, SubmissionError } from './imports.ts';

const base = mkdtempSync(join(tmpdir(), 'kata-imports-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let serial = 0;

function submission(files: Record<string, string>): string {
  const dir = join(base, String(++serial));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const scan = (sourceDir: string, kataFiles: readonly string[] = ['spec.ts', 'stub.ts', 'kata.json', 'model.ts']) =>
  scanSubmission({
    slug: 'seats',
    sourceDir,
    kataFiles: new Set(kataFiles),
    allowedPackages: ['vitest', 'fast-check', 'better-sqlite3', 'p-queue', 'chalk', 'tsx', 'esbuild', 'typescript'],
  });

describe('the import scan', () => {
  test("allows built-ins, the kit, the kata's stub, its own files and the packages the grader provides", async () => {
    const dir = submission({
      'index.ts': [
        "import { randomUUID } from 'node:crypto';",
        "import { setTimeout } from 'timers/promises';",
        "import Database from 'better-sqlite3';",
        "import PQueue from 'p-queue';",
        "import { NotImplementedError } from '../../harness/kit/index.ts';",
        "import { SeatError } from './stub.ts';",
        // Erased before anything runs: a type of the model's loads nothing.
        "import type { SeatModel } from './model.ts';",
        "import type { Expect } from 'vitest';",
        "import { helper } from './lib/helper.ts';",
        'export const all = [randomUUID, setTimeout, Database, PQueue, NotImplementedError, SeatError, helper];',
        'export type Both = [SeatModel, Expect];',
      ].join('\n'),
      'lib/helper.ts': "import fc from 'fast-check';\nexport const helper = fc;\n",
    });
    const result = await scan(dir);
    expect(result.violations).toEqual([]);
    expect(result.files.map((file) => file.path)).toEqual(['index.ts', 'lib/helper.ts']);
  });

  test.each([
    [
      "import pRetry from 'p-retry';",
      /imports "p-retry", a package the grader does not provide \(allowed: fast-check, better-sqlite3, p-queue, chalk/,
    ],
    ["import { expect } from 'vitest';", /imports "vitest": the test tooling is not for submissions/],
    [
      "export { isAnagram } from '../../solutions/seats/index.ts';",
      /imports "..\/..\/solutions\/seats\/index.ts", outside its kata folder/,
    ],
    ["import '/work/main/solutions/seats/index.ts';", /outside its kata folder/],
    ["import other from '../anagram/index.ts';", /outside its kata folder/],
    ["const lib = await import('p-retry');", /"p-retry", a package the grader does not provide/],
    ["const { createRequire } = await import('node:module'); createRequire(import.meta.url)('mitt');", /^$/],
  ])('%s', async (line, message) => {
    const result = await scan(submission({ 'index.ts': `${line}\nexport const x = 1;\n` }));
    if (message.source === '^$') expect(result.violations).toEqual([]);
    else expect(result.violations.join('\n')).toMatch(message);
  });

  test('notes an import whose name is computed at run time', async () => {
    const result = await scan(
      submission({ 'index.ts': "const name = ['p', 'retry'].join('-');\nawait import(name);\n" }),
    );
    expect(result.violations).toEqual([]);
    expect(result.notes.join('\n')).toMatch(/computed at run time/);
  });

  test.each([
    ["import { SeatModel } from './model.ts';", 'model.ts'],
    ["import spec from './spec.ts';", 'spec.ts'],
    ["import { SeatModel } from './model';", 'model.ts'],
    ["import { SeatModel } from './model.js';", 'model.ts'],
    ["import { SeatModel } from '../seats/model.ts';", 'model.ts'],
    ["import manifest from './kata.json' with { type: 'json' };", 'kata.json'],
    ["export * from './model.ts';", 'model.ts'],
    ["const { SeatModel } = await import('./model.ts');", 'model.ts'],
  ])("refuses the kata's own files but the stub: %s", async (line, file) => {
    const result = await scan(submission({ 'index.ts': `${line}\nexport const x = 1;\n` }));
    expect(result.violations).toHaveLength(1);
    expect(result.violations[0]).toContain(`index.ts imports `);
    expect(result.violations[0]).toContain(`the kata's own ${file}, which is the grader's side of the kata`);
    expect(result.violations[0]).toContain('a submission may import only the kit (harness/kit/) and ./stub.ts');
  });

  test("refuses a kata file imported by a helper, or by a file of the candidate's of the same name", async () => {
    // Their own model.ts would never run: the run's tree holds the grader's.
    const own = await scan(
      submission({
        'index.ts': "import { SeatModel } from './model.ts';\nexport const x = SeatModel;\n",
        'model.ts': 'export const SeatModel = 1;\n',
      }),
    );
    expect(own.violations.join('\n')).toMatch(/^index\.ts imports "\.\/model\.ts", the kata's own model\.ts/);
    expect(own.files.map((file) => file.path)).toEqual(['index.ts']);
    const nested = await scan(
      submission({
        'index.ts': "export { helper } from './lib/helper.ts';\n",
        'lib/helper.ts': "import { SeatModel } from '../model.ts';\nexport const helper = SeatModel;\n",
      }),
    );
    expect(nested.violations.join('\n')).toMatch(
      /^lib\/helper\.ts imports "\.\.\/model\.ts", the kata's own model\.ts/,
    );
  });

  test('refuses a symbolic link', async () => {
    const dir = submission({ 'elsewhere.ts': 'export const x = 1;\n' });
    mkdirSync(join(dir, 'kata'));
    symlinkSync(join(dir, 'elsewhere.ts'), join(dir, 'kata', 'index.ts'));
    await expect(scan(join(dir, 'kata'))).rejects.toThrow(SubmissionError);
    await expect(scan(join(dir, 'kata'))).rejects.toThrow(/is a symbolic link/);
  });

  test('refuses a file reached through a linked folder that leads elsewhere', async () => {
    const outside = submission({ 'secret.ts': 'export const answer = 42;\n' });
    const dir = submission({ 'index.ts': "export { answer } from './lib/secret.ts';\n" });
    symlinkSync(outside, join(dir, 'lib'));
    await expect(scan(dir)).rejects.toThrow(/katas\/seats\/lib\/secret.ts lies outside the submission's folder/);
  });

  test('lets a syntax error through to the run, which says it once, with no note of its own', async () => {
    const result = await scan(submission({ 'index.ts': 'export function broken( {\n' }));
    expect(result.violations).toEqual([]);
    expect(result.notes).toEqual([]);
  });
});

describe("the import scan of the candidate's own tests", () => {
  const scanTests = (sourceDir: string, files: readonly string[]) =>
    scanTestFiles(
      {
        slug: 'seats',
        sourceDir,
        kataFiles: new Set(['spec.ts', 'stub.ts', 'kata.json', 'model.ts']),
        allowedPackages: ['vitest', 'fast-check', 'better-sqlite3'],
      },
      files,
    );

  test('allows vitest, ./index.ts, the stub, the kit and their own helpers, never bringing index.ts along', async () => {
    const dir = submission({
      'index.ts': 'export const reserve = () => 1;\n',
      'seats.test.ts': [
        "import { expect, test } from 'vitest';",
        "import fc from 'fast-check';",
        "import { reserve } from './index.ts';",
        "import { SeatError } from './stub.ts';",
        "import { createManualClock } from '../../harness/kit/index.ts';",
        "import { seatIds } from './test-helpers.ts';",
        'test("reserves", () => expect([reserve(), SeatError, createManualClock, fc, seatIds]).toBeDefined());',
      ].join('\n'),
      'test-helpers.ts': "export const seatIds = ['a1'];\n",
    });
    const result = await scanTests(dir, ['seats.test.ts']);
    expect(result.violations).toEqual([]);
    expect(result.files.map((file) => file.path)).toEqual(['seats.test.ts', 'test-helpers.ts']);
  });

  test.each([
    ["import { SeatModel } from './model.ts';", /seats\.test\.ts imports "\.\/model\.ts", the kata's own model\.ts/],
    ["import spec from './spec.ts';", /the kata's own spec\.ts.*a test may import only \.\/index\.ts, the kit/],
    ["import { readFileSync } from 'node:fs';", /imports "node:fs": a test judges the code through its API/],
    ["import { reserve } from '../../solutions/seats/index.ts';", /outside its kata folder/],
  ])('refuses %s', async (line, message) => {
    const dir = submission({ 'seats.test.ts': `${line}\nimport { test } from 'vitest';\ntest('x', () => {});\n` });
    const result = await scanTests(dir, ['seats.test.ts']);
    expect(result.violations.join('\n')).toMatch(message);
  });
});
