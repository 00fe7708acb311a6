/** Hostile: imports the file system to read the wrong gallery: the import scan refuses it. */
import { readdirSync } from 'node:fs';
import { expect, test } from 'vitest';

test('knows the gallery', () => {
  expect(readdirSync('__GRADER_ROOT__/solutions/clamp/wrong').length).toBeGreaterThan(0);
});
