import { describe, expect, test } from 'vitest';
import { galleryReplay } from './gallery.ts';

describe('the replay printed under a gallery failure', () => {
  test('pins the seed and runs only the failed test, by its full name', () => {
    expect(galleryReplay('anagram', 'gallery.test.ts', 1799017833, 'anagram: reference matches-model', 1)).toBe(
      "KATA_SEED=1799017833 npx vitest run solutions/anagram/gallery.test.ts -t 'anagram: reference matches-model$'",
    );
  });

  test("keeps grading's number of cases when the run had them", () => {
    expect(galleryReplay('rbac', 'gallery.test.ts', -5, 'rbac: reference deny-wins', 3)).toMatch(
      /^KATA_SEED=-5 KATA_RUNS_FACTOR=3 npx vitest run /,
    );
  });

  test('escapes the characters a test-name pattern would read as a regular expression', () => {
    expect(
      galleryReplay('job-queue', 'gallery.test.ts', 1, 'job-queue: postgres-wrong x (passes on SQLite) claim-race', 1),
    ).toContain("-t 'job-queue: postgres-wrong x \\(passes on SQLite\\) claim-race$'");
  });
});
