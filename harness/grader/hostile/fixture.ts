/**
 * Builds what the hostile corpus needs on disk: a grader tree (this repository's harness, its
 * package.json and tsconfig.json, its node_modules, and the fixture katas `tally` and `echo` (or
 * those asked for) in place of the real ones), and one candidate checkout per case.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { harnessRoot } from '../../catalog/catalog.ts';
import type { HostileCase } from './corpus.ts';

const here = join(harnessRoot, 'harness', 'grader', 'hostile');
export const FIXTURE_KATAS = ['tally', 'echo'] as const;

/** The fixture files import the kit from their place in this repository; in a tree it is ../../harness/kit. */
function asInTree(source: string): string {
  return source.replaceAll("'../../../../kit/", "'../../harness/kit/");
}

/**
 * Fixture katas a tree may hold: the corpus's two; `reverse`, whose one check is randomised; and
 * `clamp`, with a rule ledger and a wrong gallery, for grading a candidate's own tests.
 */
export type FixtureKata = (typeof FIXTURE_KATAS)[number] | 'reverse' | 'clamp';

export function buildGraderTree(root: string, katas: readonly FixtureKata[] = FIXTURE_KATAS): string {
  mkdirSync(root, { recursive: true });
  for (const file of ['package.json', 'tsconfig.json']) cpSync(join(harnessRoot, file), join(root, file));
  cpSync(join(harnessRoot, 'harness'), join(root, 'harness'), {
    recursive: true,
    filter: (source) => !source.startsWith(here) && !source.endsWith('.test.ts'),
  });
  symlinkSync(join(harnessRoot, 'node_modules'), join(root, 'node_modules'), 'junction');
  for (const slug of katas) {
    const from = join(here, 'fixture', slug);
    const kataDir = join(root, 'katas', slug);
    mkdirSync(kataDir, { recursive: true });
    cpSync(join(from, 'kata.json'), join(kataDir, 'kata.json'));
    for (const file of ['spec.ts', 'stub.ts']) {
      writeFileSync(join(kataDir, file), asInTree(readFileSync(join(from, file), 'utf8')));
    }
    writeFileSync(join(kataDir, 'index.ts'), asInTree(readFileSync(join(from, 'stub.ts'), 'utf8')));
    mkdirSync(join(root, 'solutions', slug), { recursive: true });
    cpSync(join(from, 'reference.ts'), join(root, 'solutions', slug, 'index.ts'));
    if (existsSync(join(from, 'README.md'))) cpSync(join(from, 'README.md'), join(kataDir, 'README.md'));
    if (existsSync(join(from, 'wrong'))) {
      const wrongDir = join(root, 'solutions', slug, 'wrong');
      mkdirSync(wrongDir, { recursive: true });
      for (const name of readdirSync(join(from, 'wrong'))) {
        // A wrong file imports the reference beside it here, ../index.ts in a tree.
        const text = readFileSync(join(from, 'wrong', name), 'utf8').replaceAll("'../reference.ts'", "'../index.ts'");
        writeFileSync(join(wrongDir, name), text);
      }
    }
  }
  return root;
}

/** A candidate checkout for one case: katas/tally/index.ts as the case says, and echo solved if asked. */
export function writeCandidate(dir: string, hostile: HostileCase, graderRoot: string): void {
  const tallyDir = join(dir, 'katas', 'tally');
  const source = hostile.source;
  if ('link' in source && source.link === 'reference-folder') {
    mkdirSync(join(dir, 'katas'), { recursive: true });
    symlinkSync(join(graderRoot, 'solutions', 'tally'), tallyDir, 'junction');
    return;
  }
  mkdirSync(tallyDir, { recursive: true });
  const entry = join(tallyDir, 'index.ts');
  if ('file' in source) {
    const text = readFileSync(join(here, 'cases', source.file), 'utf8');
    writeFileSync(entry, text.replaceAll('__GRADER_ROOT__', graderRoot));
  } else if ('text' in source) {
    writeFileSync(entry, source.text);
  } else if ('link' in source) {
    symlinkSync(join(graderRoot, 'solutions', 'tally', 'index.ts'), entry);
  } else if ('stub' in source) {
    cpSync(join(graderRoot, 'katas', 'tally', 'stub.ts'), entry);
  }
  if (hostile.bystander) writeSolved(dir, 'echo', graderRoot);
}

/** Puts the fixture's reference solution of `slug` into a candidate checkout. */
export function writeSolved(dir: string, slug: string, graderRoot: string): void {
  mkdirSync(join(dir, 'katas', slug), { recursive: true });
  cpSync(join(graderRoot, 'solutions', slug, 'index.ts'), join(dir, 'katas', slug, 'index.ts'));
}

/**
 * A candidate checkout with their own tests of the clamp fixture: each file of suites/ written as
 * katas/clamp/<name>.test.ts, importing ./index.ts; katas/clamp/index.ts solved unless `solved` is false.
 */
export function writeSuiteCandidate(dir: string, suites: readonly string[], graderRoot: string, solved = true): void {
  const kataDir = join(dir, 'katas', 'clamp');
  mkdirSync(kataDir, { recursive: true });
  if (solved) writeSolved(dir, 'clamp', graderRoot);
  for (const suite of suites) {
    const text = readFileSync(join(here, 'suites', `${suite}.ts`), 'utf8')
      .replaceAll("'../fixture/clamp/stub.ts'", "'./index.ts'")
      .replaceAll("'../fixture/clamp/reference.ts'", "'../../solutions/clamp/index.ts'")
      .replaceAll('__GRADER_ROOT__', graderRoot);
    writeFileSync(join(kataDir, `${suite}.test.ts`), text);
  }
}
