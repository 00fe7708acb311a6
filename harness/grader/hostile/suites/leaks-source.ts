/**
 * Hostile: names its tests after what it finds in the module it runs against, and fails with it,
 * hoping a report shows the reference or a wrong file. Only names its source spells out are shown,
 * and nothing a run against the gallery says is shown at all.
 */
import { expect, test } from 'vitest';
import { clamp } from '../fixture/clamp/stub.ts';

const fs = (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') }).getBuiltinModule('fs');
const dir = new URL('.', import.meta.url).pathname;
const text = fs
  .readdirSync(dir)
  .filter((name) => name.startsWith('index.'))
  .map((name) => fs.readFileSync(`${dir}${name}`, 'utf8'))
  .join('\n')
  .slice(0, 400);

test(`source: ${text}`, () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
test('fails with the source', () => {
  expect(clamp(11, 0, 10), text).toBe(10);
  if (clamp(7, 3, 3) !== 3) throw new Error(text);
});
