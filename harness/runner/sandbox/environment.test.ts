/** The run's environment: an allow-list, plus the database engine only when a run asks for one. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { PG_URL_ENV } from '../../kit/db/postgres/server.ts';
import { ENGINE_ENV as KIT_ENGINE_ENV } from '../../kit/db/test-database.ts';
import { letServerThrough } from '../run.ts';
import { ENGINE_ENV, engineEnvironment, runEnvironment } from './environment.ts';

const paths = { home: '/run/home', tmp: '/run/tmp' };
const caller = {
  PATH: '/usr/bin',
  KATA_DB: 'postgres',
  KATA_PG_URL: 'postgres://u:p@127.0.0.1:5432/postgres',
  TOKEN: 's',
};

describe('the database engine in a run environment', () => {
  test("names the kit's own variables", () => {
    expect(ENGINE_ENV).toBe(KIT_ENGINE_ENV);
    expect(PG_URL_ENV).toBe('KATA_PG_URL');
  });

  test('SQLite, the default, adds nothing: not even a KATA_DB the caller has set', () => {
    expect(engineEnvironment(undefined, caller)).toEqual({});
    expect(engineEnvironment('sqlite', caller)).toEqual({});
    const env = runEnvironment(paths, engineEnvironment(undefined, caller), caller);
    expect(env.KATA_DB).toBeUndefined();
    expect(env.KATA_PG_URL).toBeUndefined();
  });

  test("PostgreSQL adds KATA_DB=postgres and the caller's KATA_PG_URL, and nothing else of the caller's", () => {
    const env = runEnvironment(paths, engineEnvironment('postgres', caller), caller);
    expect(env.KATA_DB).toBe('postgres');
    expect(env.KATA_PG_URL).toBe(caller.KATA_PG_URL);
    expect(env.TOKEN).toBeUndefined();
    expect(env.PATH).toBe('/usr/bin');
  });

  test('PostgreSQL without a KATA_PG_URL leaves it out, so the kit starts a server of its own', () => {
    expect(engineEnvironment('postgres', { PATH: '/usr/bin' })).toEqual({ KATA_DB: 'postgres' });
    expect(engineEnvironment('postgres', { KATA_PG_URL: '' })).toEqual({ KATA_DB: 'postgres' });
  });
});

describe("a PostgreSQL run's folders, for the server the kit starts as nobody when run as root", () => {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  test('root: the folders from the temp directory down get search permission, never read', () => {
    const outer = mkdtempSync(join(tmpdir(), 'kata-through-'));
    made.push(outer);
    const inner = join(outer, 'work', 'tmp');
    mkdirSync(inner, { recursive: true, mode: 0o700 });
    chmodSync(join(outer, 'work'), 0o700);
    chmodSync(inner, 0o700);
    letServerThrough(inner, 0);
    for (const dir of [outer, join(outer, 'work'), inner]) expect(statSync(dir).mode & 0o777).toBe(0o711);
  });

  test('any other user: nothing changes (the server runs as that user)', () => {
    const outer = mkdtempSync(join(tmpdir(), 'kata-through-'));
    made.push(outer);
    letServerThrough(outer, 1000);
    expect(statSync(outer).mode & 0o777).toBe(0o700);
  });
});
