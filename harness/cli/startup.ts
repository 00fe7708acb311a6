/**
 * The entry point of the CLI's prebuilt bundle (see bundle.js): `main`, and which command lines
 * the bundle may run on its own. The bundle is plain JavaScript with no TypeScript loader, so it
 * starts in a fraction of tsx's time, but it cannot import a spec, a stub or a target at run
 * time; every command line that may do so goes through tsx instead.
 */
import { existsSync } from 'node:fs';
import { harnessRoot, listKatas } from '../catalog/catalog.ts';
import { isUntouched } from '../commands/kata-status.ts';
import { hashFile, loadProgress } from '../commands/progress.ts';
import { commandNames, parseInvocation } from './main.ts';

export { createContext, main } from './main.ts';

/**
 * Commands that never import a TypeScript file at run time: they read manifests, READMEs,
 * solutions and JSON reports as text. Every other command (test, watch, grade, rules, and any
 * added later) loads specs or targets, so it needs the loader: that is the safe default.
 */
const WITHOUT_LOADER: ReadonlySet<string> = new Set(['hint', 'solution', 'reset', 'report']);

/** True when `kata <argv>` may import a .ts file at run time, so it must run under tsx. */
export function needsLoader(argv: readonly string[], root: string = harnessRoot): boolean {
  const invocation = parseInvocation(argv);
  if (invocation.kind !== 'command' || invocation.args.includes('--help') || invocation.args.includes('-h'))
    return false;
  // An unknown name only gets main's one-line error, which loads no command.
  if (!commandNames.includes(invocation.name)) return false;
  if (invocation.name === 'list') return listRunsSpecs(root);
  return !WITHOUT_LOADER.has(invocation.name);
}

/**
 * Whether `kata list` would run a spec: the same test as statusOfKatas (kata-status.ts) makes
 * before it queues a run, an edited working file with no cached result for its hash. A repository
 * whose katas cannot be read runs nothing: list reports that error without the loader.
 */
function listRunsSpecs(root: string): boolean {
  try {
    const progress = loadProgress(root);
    return listKatas(root).some(
      (kata) =>
        existsSync(kata.workFile) &&
        !isUntouched(kata) &&
        progress.lastRuns[kata.slug]?.hash !== hashFile(kata.workFile),
    );
  } catch {
    return false;
  }
}
