import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, test } from 'vitest';
import { harnessRoot, listKatas } from './catalog.ts';

// A study group copies a reference or a variant over katas/<slug>/index.ts to compare it with their
// own, and an interviewer grades it as a candidate's file: it must work there alone, so every
// relative import it makes lands in the kit or on the kata's stub, never on a module beside it.
const katas = listKatas();

const RELATIVE_SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;

function relativeImports(source: string): string[] {
  return [...source.matchAll(RELATIVE_SPECIFIER)].map((match) => match[2]!);
}

function outsideKitAndStub(file: string, slug: string): string[] {
  const kit = join(harnessRoot, 'harness', 'kit') + sep;
  const stub = join(harnessRoot, 'katas', slug, 'stub.ts');
  return relativeImports(readFileSync(file, 'utf8')).filter((specifier) => {
    const target = resolve(dirname(file), specifier);
    return !target.startsWith(kit) && target !== stub;
  });
}

describe('references and variants work alone as a candidate file', () => {
  const files = katas.flatMap((kata) =>
    [kata.referenceFile, ...kata.variantFiles, ...kata.postgresFiles].map(
      (file) => [relative(harnessRoot, file), kata.slug, file] as const,
    ),
  );

  test.each(files)('%s imports only the kit and the stub', (_shown, slug, file) => {
    expect(outsideKitAndStub(file, slug)).toEqual([]);
  });

  test('the scan sees a sibling module a copy would lose', () => {
    const source = `import { a } from './contract.ts';\nimport type { B } from '../../harness/kit/clock.ts';\n`;
    expect(relativeImports(source)).toEqual(['./contract.ts', '../../harness/kit/clock.ts']);
  });
});

describe('kata READMEs use the command form of the main README', () => {
  test.each(katas.map((kata) => [relative(harnessRoot, kata.readmeFile), kata.readmeFile] as const))(
    '%s says npx kata, never npm run kata --',
    (_shown, file) => {
      const lines = readFileSync(file, 'utf8')
        .split('\n')
        .map((line, index) => [index + 1, line] as const)
        .filter(([, line]) => line.includes('npm run kata'));
      expect(lines.map(([number, line]) => `${number}: ${line.trim()}`)).toEqual([]);
    },
  );
});
