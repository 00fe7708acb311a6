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
  const hidden = new Set<string>([join(graderRoot, 'solutions'), join(graderRoot, 'katas')]);
  for (const target of targets) {
    hidden.add(join(target.dir, 'katas'));
    hidden.add(join(target.dir, 'solutions'));
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
    ...privateTmp(modules, session),
  };
}

/**
 * Every run's folder lives in the session folder under the temporary directory; each run gets a
 * private temporary directory holding its own folder only. Needs an empty mount point outside it,
 * kept beside the packages, and the packages and Node itself outside it. When they live under the
 * temporary directory (a checkout cloned under /tmp, as CI runs), the session folder alone is
 * made private instead: no run sees another's folder (the copies of the reference and the wrong
 * files) or can change it, though the rest of /tmp stays shared.
 */
function privateTmp(modules: string, session: string): Pick<SandboxPaths, 'private'> {
  const mountPoint = join(modules, '.cache', 'kata-grade', 'mount-point');
  // Node itself must stay visible too (a Node unpacked under /tmp would vanish with it).
  const node = realpathSync(process.execPath);
  const tmpRoot = [dirname(session), session].find((root) =>
    [modules, mountPoint, node].every((path) => insideRoot(root, path) === undefined),
  );
  if (tmpRoot === undefined) return {};
  try {
    mkdirSync(mountPoint, { recursive: true });
  } catch {
    return {};
  }
  return { private: { tmpRoot, mountPoint } };
}

/** The sandbox of one run: the session's, with the run's own folder the one kept in its private /tmp. */
export function runSandbox(sandbox: SandboxPaths, runDir: string): SandboxPaths {
  return { ...sandbox, ...(sandbox.private && { private: { ...sandbox.private, keep: runDir } }) };
}
