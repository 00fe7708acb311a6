/** What the PostgreSQL engine reads from SQL text without a server: no server needed here. */
import { describe, expect, test } from 'vitest';
import { checkParams, isReadonly, statementHeads, takesLocks, transactionControl } from './postgres/sql.ts';

describe('PostgreSQL SQL text', () => {
  test('statements of a script, skipping strings, dollar quotes and comments', () => {
    expect(
      statementHeads(`
        -- BEGIN; in a comment
        CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;
        /* COMMIT; */ INSERT INTO t VALUES ('a;b', $$x;y$$);
        commit
      `),
    ).toEqual(['CREATE FUNCTION F()', 'INSERT INTO T', 'COMMIT']);
  });

  test('transaction control is found at the start of any statement, savepoints are not', () => {
    expect(transactionControl('BEGIN')).toBe('BEGIN');
    expect(transactionControl('  start transaction isolation level serializable')).toMatch(/^START TRANSACTION/);
    expect(transactionControl('INSERT INTO t VALUES (1); END')).toBe('END');
    expect(transactionControl('ROLLBACK TO SAVEPOINT s')).toBeUndefined();
    expect(transactionControl('SAVEPOINT s; RELEASE SAVEPOINT s')).toBeUndefined();
    expect(transactionControl("SELECT 'BEGIN'")).toBeUndefined();
  });

  test('readonly and lock-taking statements', () => {
    expect(isReadonly('get', 'SELECT * FROM seats WHERE id = $1')).toBe(true);
    expect(isReadonly('get', 'SELECT updated_at FROM seats')).toBe(true);
    expect(isReadonly('get', 'SELECT * FROM seats FOR UPDATE SKIP LOCKED')).toBe(true);
    expect(isReadonly('get', 'WITH moved AS (DELETE FROM jobs RETURNING *) SELECT * FROM moved')).toBe(false);
    expect(isReadonly('run', 'UPDATE seats SET holder = $1')).toBe(false);
    expect(isReadonly('get', "SELECT nextval('ids')")).toBe(false);
    expect(isReadonly('exec', 'SELECT 1')).toBe(false);
    expect(takesLocks('get', 'SELECT * FROM seats WHERE id = $1 FOR NO KEY UPDATE')).toBe(true);
    expect(takesLocks('get', 'SELECT pg_advisory_xact_lock($1)')).toBe(true);
    expect(takesLocks('get', "SELECT 'FOR UPDATE' AS text")).toBe(false);
    expect(takesLocks('all', 'SELECT * FROM seats')).toBe(false);
  });

  test('parameters: positional values pass, named parameters are refused by name', () => {
    expect(checkParams(['a', 1, 2n, null, new Uint8Array([1])])).toHaveLength(5);
    expect(() => checkParams([{ id: 1 }])).toThrow(/named parameters \(:name, @name\) are SQLite-only/);
    expect(() => checkParams([undefined as never])).toThrow(/parameter 1 is undefined/);
  });
});
