/**
 * The environment a run sees: an allow-list, never a copy of the caller's. Tokens, cloud
 * credentials and NODE_OPTIONS (which could load code into every process of the run) stay out;
 * HOME and the temporary directory point into the run's own scratch folder.
 */

import type { Dialect } from '../../kit/db/types.ts';
import { PG_URL_ENV } from '../../kit/db/postgres/server.ts';

/**
 * The kit's engine switch (ENGINE_ENV in kit/db/test-database.ts, which this file does not import:
 * that module loads the native SQLite driver, which the runner has no use for). A test checks the
 * two names agree.
 */
export const ENGINE_ENV = 'KATA_DB';

/** Passed through when set: what a program needs to find executables and format text. */
const PASSED_THROUGH = [
  'PATH',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'LC_COLLATE',
  'LC_MESSAGES',
  // Windows cannot start processes without these.
  'SYSTEMROOT',
  'SystemRoot',
  'WINDIR',
  'COMSPEC',
  'PATHEXT',
] as const;

export interface EnvironmentPaths {
  /** The run's home directory. */
  readonly home: string;
  /** The run's temporary directory. */
  readonly tmp: string;
}

export function runEnvironment(
  paths: EnvironmentPaths,
  extra: Readonly<Record<string, string | undefined>> = {},
  source: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of PASSED_THROUGH) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, {
    HOME: paths.home,
    USERPROFILE: paths.home,
    TMPDIR: paths.tmp,
    TMP: paths.tmp,
    TEMP: paths.tmp,
    // The same clock zone on every interviewer's machine.
    TZ: 'UTC',
    NODE_ENV: 'test',
    NO_COLOR: '1',
  });
  for (const [name, value] of Object.entries(extra)) {
    if (name === 'NODE_OPTIONS') continue;
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * What a run on `engine` adds to its environment: nothing for SQLite (the kit's default); for
 * PostgreSQL, KATA_DB=postgres and the caller's KATA_PG_URL when it has one (the kit starts a
 * server of its own otherwise). Only these two names: the caller's other variables stay out.
 */
export function engineEnvironment(
  engine: Dialect | undefined,
  source: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  if (engine !== 'postgres') return {};
  const url = source[PG_URL_ENV];
  return { [ENGINE_ENV]: 'postgres', ...(url === undefined || url === '' ? {} : { [PG_URL_ENV]: url }) };
}
