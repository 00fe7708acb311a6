/**
 * Where a run may look and what it may load: the sandbox's read-only and hidden folders and its
 * private temporary directory, and the check afterwards that vite served the run nothing from
 * outside its own tree and the grader's packages. Shared by the spec runs and the runs of a
 * candidate's own tests.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SandboxPaths } from '../runner/sandbox/isolation.ts';
import { insideRoot } from './snapshot.ts';
import { graderModules } from './workspace.ts';

/** A checkout whose katas (and solutions) the sandbox hides from every run. */
export interface SandboxedCheckout {
  readonly dir: string;
}

/** Files vite served from outside the run's tree and the grader's packages: a loaded reference. */
export function filesOutside(loadedFiles: readonly string[] | undefined, tree: string, modules: string): string[] {
  return (loadedFiles ?? []).filter((id) => {
    if (id.startsWith('\0') || id.startsWith('virtual:') || id.startsWith('node:') || !id.startsWith('/')) {
      return false;
    }
    const path = id.split('?')[0]!;
    return insideRoot(tree, path) === undefined && insideRoot(modules, path) === undefined;
  });
}

/** What the sandbox hides and protects: the references, every checkout's sources, the grader. */
export function sandboxPaths(graderRoot: string, targets: readonly SandboxedCheckout[], session: string): SandboxPaths {
  const modules = graderModules(graderRoot);
  // Git's folder too: its history holds solutions/ (the reference, the wrong gallery) as objects
  // any run could read and inflate.
  const hidden = new Set<string>(['solutions', 'katas', '.git'].map((name) => join(graderRoot, name)));
  for (const target of targets) {
    for (const name of ['katas', 'solutions', '.git']) hidden.add(join(target.dir, name));
  }
  // Never hide a folder holding the run's own tree, the packages or the grader itself.
  const keep = (dir: string): boolean =>
    [session, modules, graderRoot].every((needed) => insideRoot(dir, needed) === undefined);
  // The candidates' folders too, wherever they are: a run may read its own tree only, and a test
  // that writes into its folder, a spec or another run's copy changes nothing there. (Under a
  // private temporary directory those within it are not even there.)
  const readOnly = [graderRoot, modules, ...targets.map((target) => target.dir)].filter(
    (dir) => insideRoot(dir, session) === undefined,
  );
  return {
    readOnly: [...new Set(readOnly)],
    hidden: [...hidden].filter(keep),
    ...privateTmp(graderRoot, modules, session),
  };
}

/**
 * Every run's folder lives in the session folder under the temporary directory; each run gets a
 * private temporary directory holding its own folder only, so no run sees another's folder (the
 * copies of the reference and the wrong files) or can change it, and nothing one run leaves in
 * /tmp reaches another. Built on an empty mount point, kept beside the packages.
 *
 * When the packages, Node or the grader's tree live under the temporary directory too (a checkout
 * cloned under /tmp, as CI runs), they are put back in each run's private directory, read-only as
 * everywhere else, and the mount point is a folder of the session's own (beside the runs' folders,
 * in none of them). Only when one of them cannot be put back, because it is the temporary
 * directory itself or holds the session (its runs' folders would all come back with it), is the
 * session folder alone made private, and the rest of /tmp stays shared.
 */
function privateTmp(graderRoot: string, modules: string, session: string): Pick<SandboxPaths, 'private'> {
  const beside = join(modules, '.cache', 'kata-grade', 'mount-point');
  // Node itself must stay visible too (a Node unpacked under /tmp would vanish with it).
  const nodeDir = dirname(realpathSync(process.execPath));
  const tmpRoot = dirname(session);
  const needed = [modules, nodeDir, realpathOr(graderRoot)];
  const under = needed.filter((dir) => insideRoot(tmpRoot, dir) !== undefined);
  const carriable = under.every((dir) => insideRoot(tmpRoot, dir) !== '' && insideRoot(dir, session) === undefined);
  if (!carriable) {
    if (insideRoot(session, beside) !== undefined) return {};
    return mountPointReady(beside) ? { private: { tmpRoot: session, mountPoint: beside } } : {};
  }
  const mountPoint = under.length === 0 ? beside : join(session, '.mount-point');
  if (!mountPointReady(mountPoint)) return {};
  return { private: { tmpRoot, mountPoint, ...(under.length === 0 ? {} : { carry: under }) } };
}

function mountPointReady(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    return true;
  } catch {
    return false;
  }
}

function realpathOr(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/** The sandbox of one run: the session's, with the run's own folder the one kept in its private /tmp. */
export function runSandbox(sandbox: SandboxPaths, runDir: string): SandboxPaths {
  return { ...sandbox, ...(sandbox.private && { private: { ...sandbox.private, keep: runDir } }) };
}
