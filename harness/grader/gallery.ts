/**
 * The targets a candidate's own tests are judged against: the kata's reference solution and every
 * file of its wrong gallery, each with the rule it breaks (its header's `Violates:`, and the rule's
 * text from kata.json). Read and bundled before any candidate code runs, like the snapshot.
 *
 * Each target is bundled with esbuild into one self-contained module (a wrong file that imports the
 * reference carries it along), minified with names kept: what a run's tree holds as
 * katas/<slug>/index.ts is one line that re-exports it, whichever target it is. The kit, the kata's
 * own files and the packages stay imports of the tree's own copies, so a value a test makes with the
 * kit (a test database) is the same class the target sees. Neither the files' names nor their
 * source reach the candidate: reports name a wrong file by the rule it breaks.
 */
import { build, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { basename, isAbsolute, join, posix, relative, resolve } from 'node:path';
import type { Kata } from '../catalog/catalog.ts';
import { parseWrongHeader } from '../catalog/wrong-header.ts';
import { insideRoot } from './snapshot.ts';

export interface GalleryTarget {
  readonly kind: 'reference' | 'wrong';
  /** Relative to solutions/<slug>/, e.g. "wrong/no-upper-bound.ts": for the grader's own records only. */
  readonly file: string;
  /** The rule a wrong file breaks (its header's `Violates:`); null for the reference or a file that names none. */
  readonly rule: string | null;
  /** The rule's text from kata.json `rules`, when the ledger has it. */
  readonly ruleText: string | null;
  /** The target bundled as one ES module, to be written beside the tree's katas/<slug>/index.ts. */
  readonly code: string;
}

export interface Gallery {
  readonly slug: string;
  readonly reference: GalleryTarget;
  readonly wrong: readonly GalleryTarget[];
}

/** The bundle's file name in a run's tree, beside katas/<slug>/index.ts. */
export const BUNDLE_NAME = 'index.bundle.mjs';

/** katas/<slug>/index.ts in a run's tree when the target is a bundle: it only re-exports it. */
export const BUNDLE_ENTRY = `export * from './${BUNDLE_NAME}';\n`;

export class GalleryError extends Error {
  readonly code = 'ERR_KATA_GALLERY';

  constructor(message: string) {
    super(message);
    this.name = 'GalleryError';
  }
}

/** Reads and bundles the reference and the wrong gallery of a kata. */
export async function prepareGallery(graderRoot: string, kata: Kata): Promise<Gallery> {
  const rules = new Map((kata.manifest.rules ?? []).map((rule) => [rule.id, rule.text]));
  const reference: GalleryTarget = {
    kind: 'reference',
    file: 'index.ts',
    rule: null,
    ruleText: null,
    code: await bundleTarget(graderRoot, kata.slug, kata.referenceFile),
  };
  const wrong: GalleryTarget[] = [];
  for (const file of kata.wrongFiles) {
    const shown = relative(graderRoot, file).split('\\').join('/');
    const header = parseWrongHeader(readFileSync(file, 'utf8'), shown);
    const rule = header.violates ?? null;
    wrong.push({
      kind: 'wrong',
      file: `wrong/${basename(file)}`,
      rule,
      ruleText: rule === null ? null : (rules.get(rule) ?? null),
      code: await bundleTarget(graderRoot, kata.slug, file),
    });
  }
  // In the ledger's order, the order the README states its rules in.
  const order = [...rules.keys()];
  const rank = (target: GalleryTarget): number =>
    target.rule === null || !order.includes(target.rule) ? order.length : order.indexOf(target.rule);
  wrong.sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file));
  return { slug: kata.slug, reference, wrong };
}

/**
 * One file of solutions/<slug>/ and what it imports from there, as one module for the tree's
 * katas/<slug>/: the kit and the kata's own files are imported from the tree, packages and Node's
 * built-ins as they are.
 */
export async function bundleTarget(graderRoot: string, slug: string, file: string): Promise<string> {
  const root = resolve(graderRoot);
  const kit = join(root, 'harness', 'kit');
  const kataDir = join(root, 'katas', slug);
  const fromTree: Plugin = {
    name: 'tree-imports',
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const spec = args.path;
        if (spec.startsWith('node:') || isBuiltin(spec)) return { path: spec, external: true };
        if (!spec.startsWith('.') && !isAbsolute(spec)) return { path: spec, external: true };
        const target = isAbsolute(spec) ? spec : resolve(args.resolveDir, spec);
        const inKit = insideRoot(kit, target);
        // From katas/<slug>/ in the tree, the kit is ../../harness/kit and the kata's files are ./.
        if (inKit !== undefined) return { path: posix.join('../../harness/kit', inKit), external: true };
        const inKata = insideRoot(kataDir, target);
        if (inKata !== undefined) return { path: `./${inKata}`, external: true };
        return undefined;
      });
    },
  };
  try {
    const result = await build({
      entryPoints: [file],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      minify: true,
      keepNames: true,
      legalComments: 'none',
      plugins: [fromTree],
    });
    const output = result.outputFiles[0];
    if (output === undefined) throw new GalleryError(`esbuild produced nothing for ${file}`);
    return output.text;
  } catch (error) {
    if (error instanceof GalleryError) throw error;
    const first = (error as { errors?: { text: string }[] }).errors?.[0]?.text ?? (error as Error).message;
    throw new GalleryError(`could not bundle ${relative(root, file)}: ${first}`);
  }
}
