/** Finds the katas in a repository tree and everything that belongs to each. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { KataSpec } from '../kit/spec.ts';
import { parseManifest, type KataManifest } from './manifest.ts';

/** The repository this harness belongs to. */
export const harnessRoot: string = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface Kata {
  readonly slug: string;
  readonly manifest: KataManifest;
  readonly dir: string;
  readonly manifestFile: string;
  readonly readmeFile: string;
  /** The candidate's working file: the stub until they edit it. */
  readonly workFile: string;
  /** The pristine stub, never edited: `kata reset` copies it back over the working file. */
  readonly stubFile: string;
  readonly specFile: string;
  readonly solutionDir: string;
  readonly referenceFile: string;
  readonly notesFile: string;
  readonly variantFiles: readonly string[];
  readonly wrongFiles: readonly string[];
  /**
   * Solutions in PostgreSQL's own idiom (solutions/<slug>/postgres/*.ts, `index.ts` the reference
   * that `kata grade --solutions --db postgres` grades): each passes every check on PostgreSQL.
   */
  readonly postgresFiles: readonly string[];
  /**
   * Wrong files whose bug only PostgreSQL shows (solutions/<slug>/postgres-wrong/*.ts): each passes
   * every check on SQLite and fails the checks its header names on PostgreSQL.
   */
  readonly postgresWrongFiles: readonly string[];
}

export class UnknownKataError extends Error {
  readonly code = 'ERR_KATA_UNKNOWN';

  constructor(slug: string, known: readonly string[]) {
    super(`unknown kata "${slug}"; known katas: ${known.join(', ') || 'none'}`);
    this.name = 'UnknownKataError';
  }
}

export function listKatas(root: string = harnessRoot): Kata[] {
  const katasDir = join(root, 'katas');
  if (!existsSync(katasDir)) return [];
  return readdirSync(katasDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(katasDir, entry.name, 'kata.json')))
    .map((entry) => readKata(root, entry.name))
    .sort((a, b) => a.manifest.order - b.manifest.order || a.slug.localeCompare(b.slug));
}

export function findKata(slug: string, root: string = harnessRoot): Kata {
  const katas = listKatas(root);
  const kata = katas.find((candidate) => candidate.slug === slug);
  if (!kata)
    throw new UnknownKataError(
      slug,
      katas.map((candidate) => candidate.slug),
    );
  return kata;
}

function readKata(root: string, slug: string): Kata {
  const dir = join(root, 'katas', slug);
  const manifestFile = join(dir, 'kata.json');
  const solutionDir = join(root, 'solutions', slug);
  return {
    slug,
    manifest: parseManifest(JSON.parse(readFileSync(manifestFile, 'utf8')), manifestFile),
    dir,
    manifestFile,
    readmeFile: join(dir, 'README.md'),
    workFile: join(dir, 'index.ts'),
    stubFile: join(dir, 'stub.ts'),
    specFile: join(dir, 'spec.ts'),
    solutionDir,
    referenceFile: join(solutionDir, 'index.ts'),
    notesFile: join(solutionDir, 'NOTES.md'),
    variantFiles: typescriptFiles(join(solutionDir, 'variants')),
    wrongFiles: typescriptFiles(join(solutionDir, 'wrong')),
    postgresFiles: typescriptFiles(join(solutionDir, 'postgres')),
    postgresWrongFiles: typescriptFiles(join(solutionDir, 'postgres-wrong')),
  };
}

function typescriptFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map((name) => join(dir, name));
}

export async function loadSpec(kata: Kata): Promise<KataSpec<unknown>> {
  const module = (await import(pathToFileURL(kata.specFile).href)) as { default?: KataSpec<unknown> };
  const spec = module.default;
  if (!spec || typeof spec.define !== 'function' || spec.slug !== kata.slug) {
    throw new Error(`${kata.specFile}: the default export must be defineSpec('${kata.slug}', ...)`);
  }
  return spec;
}
