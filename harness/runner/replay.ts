/**
 * The command lines the harness prints for a person to run: the replay beside every randomised
 * failure, and every "next step". They start with `kata` only when that word, typed in the
 * person's shell, runs this very checkout's binary; otherwise with `npx kata`, which always does.
 */
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dialect } from '../kit/db/types.ts';

export interface ReplayOptions {
  /** The run used grading's number of cases, so the replay must too. */
  readonly thorough?: boolean;
  /** The checkout the file came from, when it is not the candidate's own working copy. */
  readonly candidateDir?: string;
  /** How the person runs the harness: `kata` or `npx kata`. Default: detected, see kataCommand. */
  readonly command?: string;
  /** The run's database engine: a replay on PostgreSQL needs `--db postgres`. Default: sqlite (said by nothing). */
  readonly engine?: Dialect;
}

/**
 * `kata test <slug> [--candidate DIR] [--db postgres] --only <id> --seed=<n> [--thorough]`. The `=` form parses
 * for negative seeds in every shell and every version of the parser.
 */
export function replayCommand(slug: string, checkId: string, seed: number, options: ReplayOptions = {}): string {
  const candidate = options.candidateDir === undefined ? '' : ` --candidate ${shellWord(options.candidateDir)}`;
  const command = options.command ?? kataCommand();
  return `${command} test ${slug}${candidate}${dbFlag(options.engine)} --only ${checkId} --seed=${seed}${options.thorough ? ' --thorough' : ''}`;
}

/** ` --db postgres` for a PostgreSQL run; nothing for SQLite, the default, so most lines stay short. */
export function dbFlag(engine: Dialect | undefined): string {
  return engine === 'postgres' ? ' --db postgres' : '';
}

/** Quotes a word for a POSIX shell only when it needs it. */
export function shellWord(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** This checkout's binary, as the file system names it once every link is followed. */
const OWN_BINARY = fileURLToPath(new URL('../cli/kata.js', import.meta.url));

/**
 * Folders npm and npx put in front of PATH for the process they start (every ancestor's
 * node_modules/.bin, and npm's node-gyp shim): the person's own shell does not have them, so a
 * `kata` found there says nothing about what typing `kata` would run.
 */
function addedByNpm(dir: string): boolean {
  const normal = dir.replace(/[\\/]+$/, '').split(/[\\/]/);
  const last = normal.at(-1);
  return (normal.at(-2) === 'node_modules' && last === '.bin') || last === 'node-gyp-bin';
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function realpathOrSelf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

const detected = new Map<string, string>();

/**
 * `kata` when the first `kata` on the person's PATH (leaving out what npm added for this process)
 * is this checkout's own binary (`npm link`, or a link made by hand); `npx kata` otherwise: no
 * `kata` on PATH, another program or another checkout's copy first on PATH, or Windows, whose
 * command shims cannot be traced back to a file.
 */
export function kataCommand(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  binary: string = OWN_BINARY,
): string {
  const path = env.PATH ?? env.Path ?? '';
  const key = `${platform}\u0000${binary}\u0000${path}`;
  const known = detected.get(key);
  if (known !== undefined) return known;
  let answer = 'npx kata';
  if (platform !== 'win32') {
    const own = realpathOrSelf(binary);
    for (const dir of path.split(delimiter)) {
      if (dir === '' || addedByNpm(dir)) continue;
      const file = join(dir, 'kata');
      if (!isExecutableFile(file)) continue;
      // The shell runs the first one it finds: if that is not ours, `kata` means something else.
      if (realpathOrSelf(file) === own) answer = 'kata';
      break;
    }
  }
  detected.set(key, answer);
  return answer;
}
