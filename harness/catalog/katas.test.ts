import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { harnessRoot, listKatas } from './catalog.ts';

// listKatas parses every kata.json, so a manifest that breaks the schema fails here by name.
const katas = listKatas();

describe('the kata catalogue', () => {
  test('holds at least the anagram kata', () => {
    expect(katas.map((kata) => kata.slug)).toContain('anagram');
  });

  test.each(katas.map((kata) => [kata.slug, kata] as const))(
    '%s has every file the kata contract requires',
    (_slug, kata) => {
      const required = [
        kata.readmeFile,
        kata.stubFile,
        kata.workFile,
        kata.specFile,
        kata.referenceFile,
        kata.notesFile,
      ];
      const missing = required.filter((file) => !existsSync(file)).map((file) => relative(harnessRoot, file));
      expect(missing).toEqual([]);
      expect(kata.wrongFiles.length, 'known-wrong solutions in wrong/').toBeGreaterThanOrEqual(6);
    },
  );

  test('gives every kata its own place in the suggested order', () => {
    const orders = katas.map((kata) => kata.manifest.order);
    expect(new Set(orders).size).toBe(orders.length);
  });

  // On a developer's machine index.ts is the candidate's work; a clean checkout must ship the stub.
  test.runIf(process.env.CI !== undefined)('ships every working file identical to its stub (CI only)', () => {
    const edited = katas
      .filter((kata) => readFileSync(kata.workFile, 'utf8') !== readFileSync(kata.stubFile, 'utf8'))
      .map((kata) => relative(harnessRoot, kata.workFile));
    expect(edited).toEqual([]);
  });
});
