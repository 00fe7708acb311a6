import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { harnessRoot } from '../catalog/catalog.ts';
import { compare, fingerprint } from './similarity.ts';

const reference = readFileSync(join(harnessRoot, 'solutions', 'anagram', 'index.ts'), 'utf8');
const variant = readFileSync(join(harnessRoot, 'solutions', 'anagram', 'variants', 'sorted-characters.ts'), 'utf8');
const stub = readFileSync(join(harnessRoot, 'katas', 'anagram', 'stub.ts'), 'utf8');

async function verdict(submission: string) {
  const [a, b] = await Promise.all([fingerprint(submission), fingerprint(reference)]);
  return compare(a!, b!, 'solutions/anagram/index.ts');
}

describe('similarity to the reference', () => {
  test('sees through comments, blank lines and layout: identical', async () => {
    const reformatted = reference
      .replace(/\/\*\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '// mine')
      .replace(/\n/g, '\n\n')
      .replace(/ {2}/g, '    ');
    expect(await verdict(reformatted)).toMatchObject({ verdict: 'identical', exact: 1, structure: 1 });
  });

  test('sees through renamed names: nearly identical', async () => {
    const renamed = reference
      .replace(/\bcounts\b/g, 'bag')
      .replace(/\bfold\b/g, 'caseFold')
      .replace(/\brequireString\b/g, 'mustBeText')
      .replace(/\bfolded\b/g, 'normal');
    expect(renamed).not.toBe(reference);
    const found = await verdict(`${renamed}\nexport const extra = 1;\n`);
    expect(found?.verdict).toBe('nearly-identical');
    expect(found!.structure).toBeGreaterThanOrEqual(0.8);
  });

  test('leaves an independent correct approach alone', async () => {
    expect(await verdict(variant)).toBeUndefined();
  });

  test('leaves the stub alone', async () => {
    expect(await verdict(stub)).toBeUndefined();
  });
});
