/**
 * A run's tree: a fresh folder per kata run holding the grader's own harness, the kata's own files
 * (spec, stub, manifest, shared helpers), the grader's package.json and tsconfig.json, and the
 * submission's files, nothing else. Specs, kit and configuration therefore come from the grader,
 * never from the candidate: a candidate's vitest.config.ts, tsconfig.json, package.json or edited
 * spec is simply never copied. node_modules holds links to the packages the project depends on
 * only, so a submission cannot load a library the grader does not provide.
 */
import { existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SubmissionFile } from './imports.ts';
import { writeSnapshot, type Snapshot } from './snapshot.ts';

export interface Workspace {
  /** The tree vitest runs in. */
  readonly root: string;
  /** The submission's entry point inside the tree. */
  readonly targetFile: string;
}

export function buildWorkspace(
  snapshot: Snapshot,
  slug: string,
  submission: readonly SubmissionFile[],
  tree: string,
): Workspace {
  const kataPrefix = `katas/${slug}/`;
  writeSnapshot(
    snapshot,
    tree,
    (path) =>
      path === 'package.json' || path === 'tsconfig.json' || path.startsWith('harness/') || path.startsWith(kataPrefix),
  );
  for (const file of submission) {
    // The kata's own files (a shared model, the spec) always come from the grader.
    if (file.path !== 'index.ts' && snapshot.files.has(`${kataPrefix}${file.path}`)) continue;
    const target = join(tree, 'katas', slug, ...file.path.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  linkDependencies(snapshot, tree);
  return { root: tree, targetFile: join(tree, 'katas', slug, 'index.ts') };
}

/** The grader's node_modules, as a real path: what runs may read, and where its packages live. */
export function graderModules(root: string): string {
  const modules = join(root, 'node_modules');
  return existsSync(modules) ? realpathSync(modules) : modules;
}

function linkDependencies(snapshot: Snapshot, tree: string): void {
  const modules = graderModules(snapshot.root);
  for (const name of snapshot.dependencies) {
    const source = join(modules, ...name.split('/'));
    if (!existsSync(source)) continue;
    const link = join(tree, 'node_modules', ...name.split('/'));
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(source, link, 'junction');
  }
}

/** Line endings and trailing blanks differ between checkouts; they never make a file "edited". */
export function sameText(a: Buffer | string, b: Buffer | string): boolean {
  const normal = (text: Buffer | string): string =>
    text
      .toString()
      .replace(/\r\n?/g, '\n')
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
      .trimEnd();
  return normal(a) === normal(b);
}
