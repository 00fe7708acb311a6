import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { listKatas } from '../catalog/catalog.ts';
import { normaliseMarkdown } from './checklist-doc.ts';
import { generatedTable, readmeFile, renderKataTable } from './readme-doc.ts';

const readme = readFileSync(readmeFile, 'utf8');

test("README.md's kata table is exactly the one the manifests give", () => {
  const onDisk = generatedTable(readme);
  expect(onDisk, 'the generated markers are missing from README.md').toBeDefined();
  expect(normaliseMarkdown(onDisk!), 'README.md is out of date: run npx tsx harness/grader/readme-doc.ts --write').toBe(
    normaliseMarkdown(renderKataTable()),
  );
});

test('the generated table lists every kata `kata list` lists, in its order', () => {
  const linked = [...renderKataTable().matchAll(/^\| \[([a-z0-9-]+)\]/gm)].map((match) => match[1]);
  expect(linked).toEqual(listKatas().map((kata) => kata.slug));
});
