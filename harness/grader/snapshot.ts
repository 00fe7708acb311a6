/**
 * The grader's own files, read once into memory before any candidate code runs. Every run's tree
 * is written from this snapshot, never from the disk again, so a candidate that edits the grader's
 * files (where isolation cannot stop it) poisons no later run; afterwards the disk is compared with
 * the snapshot and anything changed is put back and reported.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { Kata } from '../catalog/catalog.ts';

export interface Snapshot {
  readonly root: string;
  /** Relative path (with '/') to content. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** The packages the grader's package.json lists as dependencies. */
  readonly dependencies: readonly string[];
}

/** A candidate's own test file in a kata folder (see imports.ts CANDIDATE_TEST_FILE). */
const CANDIDATE_TEST_PATH = /^[^/]+\.test\.ts$/;

/** Files of harness/ a run needs: code and data, not the grader's tests, corpus or benchmarks. */
function harnessFileWanted(path: string): boolean {
  if (/\.test\.ts$|\.bench\.ts$/.test(path)) return false;
  if (path.startsWith('harness/grader/hostile/')) return false;
  return /\.(ts|mts|js|mjs|cjs|json)$/.test(path);
}

function walk(root: string, dir: string, out: string[]): void {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) walk(root, path, out);
    else if (entry.isFile()) out.push(path);
  }
}

export function takeSnapshot(root: string, katas: readonly Kata[]): Snapshot {
  const paths: string[] = ['package.json', 'tsconfig.json'].filter((path) => existsSync(join(root, path)));
  const harness: string[] = [];
  walk(root, 'harness', harness);
  paths.push(...harness.filter(harnessFileWanted));
  for (const kata of katas) {
    const kataFiles: string[] = [];
    walk(root, `katas/${kata.slug}`, kataFiles);
    // The working file and the candidate's own tests (katas/<slug>/*.test.ts) are the candidate's, never the grader's.
    paths.push(
      ...kataFiles.filter(
        (path) =>
          path !== `katas/${kata.slug}/index.ts` && !CANDIDATE_TEST_PATH.test(path.slice(`katas/${kata.slug}/`.length)),
      ),
    );
  }
  const files = new Map<string, Buffer>();
  for (const path of paths) files.set(path, readFileSync(join(root, path)));
  const manifest = JSON.parse(files.get('package.json')?.toString('utf8') ?? '{}') as {
    dependencies?: Record<string, string>;
  };
  return { root, files, dependencies: Object.keys(manifest.dependencies ?? {}) };
}

/** Writes the snapshot's files whose path passes `include` under `target`. */
export function writeSnapshot(snapshot: Snapshot, target: string, include: (path: string) => boolean): void {
  for (const [path, content] of snapshot.files) {
    if (!include(path)) continue;
    const file = join(target, ...path.split('/'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

function digest(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Compares the grader's tree with the snapshot and restores every file that changed or vanished.
 * Returns the relative paths it restored.
 */
export function restoreChangedFiles(snapshot: Snapshot): string[] {
  const restored: string[] = [];
  for (const [path, content] of snapshot.files) {
    const file = join(snapshot.root, ...path.split('/'));
    let same = false;
    try {
      same = lstatSync(file).isFile() && digest(readFileSync(file)) === digest(content);
    } catch {
      same = false;
    }
    if (same) continue;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    } catch {
      // Reported below either way: the interviewer must know the tree was touched.
    }
    restored.push(path);
  }
  return restored;
}

/** `path` relative to `root` with forward slashes, or undefined when it lies outside. */
export function insideRoot(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  if (rel === '') return '';
  if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) return undefined;
  return rel.split(sep).join('/');
}
