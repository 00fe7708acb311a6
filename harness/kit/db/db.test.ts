import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  createTestDatabase,
  faultTargets,
  openTestDatabase,
  settleWithin,
  type StatementInfo,
  type TestDatabase,
} from './index.ts';
import { retainedCount } from './native.ts';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const opened: TestDatabase[] = [];

function database(options: Parameters<typeof createTestDatabase>[0] = {}): TestDatabase {
  const created = createTestDatabase(options);
  opened.push(created);
  return created;
}

afterEach(async () => {
  vi.useRealTimers();
  for (const handle of opened.splice(0)) await handle.close();
});

async function counterTable(handle: TestDatabase): Promise<void> {
  await handle.db.exec('CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)');
  await handle.db.run('INSERT INTO counter (id, value) VALUES (1, 0)');
}

async function readCounter(handle: TestDatabase): Promise<number> {
  const row = await handle.db.get<{ value: number }>('SELECT value FROM counter WHERE id = 1');
  return row!.value;
}

/** Resolves after the given number of macrotask turns. */
async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
}

describe('statements', () => {
  test('run, get, all and exec behave like an async driver', async () => {
    const { db } = database();
    await db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    const first = await db.run('INSERT INTO items (name) VALUES (?)', 'a');
    expect(first).toEqual({ changes: 1, lastInsertRowid: 1 });
    await db.run('INSERT INTO items (name) VALUES (:name)', { name: 'b' });
    expect(await db.get('SELECT name FROM items WHERE id = ?', 2)).toEqual({ name: 'b' });
    expect(await db.get('SELECT name FROM items WHERE id = ?', 99)).toBeUndefined();
    expect(await db.all('SELECT id, name FROM items ORDER BY id')).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
    expect((await db.run('UPDATE items SET name = ? WHERE id > ?', 'z', 0)).changes).toBe(2);
  });

  test('SQL errors reject with SQLite codes; bad arguments reject with a TypeError', async () => {
    const { db } = database();
    await db.exec('CREATE TABLE items (id TEXT PRIMARY KEY)');
    await db.run("INSERT INTO items VALUES ('a')");
    await expect(db.run("INSERT INTO items VALUES ('a')")).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
    });
    await expect(db.get('SELEC nonsense')).rejects.toMatchObject({ code: 'SQLITE_ERROR' });
    await expect(db.run(42 as unknown as string)).rejects.toThrow(/sql must be a string, received number 42/);
    await expect(db.transaction('nope' as never)).rejects.toThrow(TypeError);
    await expect(db.transaction(async () => 1, { mode: 'exclusive' as never })).rejects.toThrow(RangeError);
  });

  test('transaction control belongs to the kit', async () => {
    const { db } = database();
    await db.exec('CREATE TABLE items (id TEXT)');
    await expect(db.run('BEGIN')).rejects.toMatchObject({ code: 'ERR_DB_TRANSACTION_CONTROL' });
    await expect(db.exec('BEGIN; INSERT INTO items VALUES (1)')).rejects.toMatchObject({
      code: 'ERR_DB_TRANSACTION_CONTROL',
    });
    // The script's transaction was rolled back and the connection still autocommits.
    expect(await db.all('SELECT * FROM items')).toEqual([]);
    await db.run("INSERT INTO items VALUES ('x')");
    await expect(db.transaction((tx) => tx.run('COMMIT'))).rejects.toMatchObject({
      code: 'ERR_DB_TRANSACTION_CONTROL',
    });
    expect(await db.all('SELECT * FROM items')).toEqual([{ id: 'x' }]);
  });
});

describe('transactions', () => {
  test('commit on success, roll back on throw, and the body may await', async () => {
    const { db } = database();
    await db.exec('CREATE TABLE items (id TEXT)');
    const value = await db.transaction(async (tx) => {
      await tx.run("INSERT INTO items VALUES ('kept')");
      await turns(3);
      return 'done';
    });
    expect(value).toBe('done');
    await expect(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO items VALUES ('lost')");
        throw new Error('payment declined');
      }),
    ).rejects.toThrow('payment declined');
    expect(await db.all('SELECT id FROM items')).toEqual([{ id: 'kept' }]);
  });

  test('concurrent transactions are separate connections: uncommitted writes are invisible', async () => {
    const { db } = database();
    await db.exec('CREATE TABLE items (id TEXT)');
    let releaseWriter!: () => void;
    const writerMayCommit = new Promise<void>((resolve) => (releaseWriter = resolve));
    const writer = db.transaction(async (tx) => {
      await tx.run("INSERT INTO items VALUES ('pending')");
      await writerMayCommit;
    });
    await turns(2);
    const seenDuring = await db.transaction((tx) => tx.all('SELECT id FROM items'));
    releaseWriter();
    await writer;
    expect(seenDuring).toEqual([]);
    expect(await db.all('SELECT id FROM items')).toEqual([{ id: 'pending' }]);
  });

  test('a statement after the body settled is rejected (a missing await)', async () => {
    const { db } = database();
    await db.exec('CREATE TABLE items (id TEXT)');
    let leaked: Promise<unknown> | undefined;
    await db.transaction(async (tx) => {
      leaked = (async () => {
        await turns(5);
        return tx.run("INSERT INTO items VALUES ('late')");
      })();
    });
    await expect(leaked).rejects.toMatchObject({ code: 'ERR_DB_TRANSACTION_CLOSED' });
    expect(await db.all('SELECT id FROM items')).toEqual([]);
  });

  test.each(['deferred', 'immediate'] as const)(
    '300 concurrent %s read-then-write transactions lose no update',
    async (mode) => {
      const handle = database({ seed: 7, maxYields: 3 });
      await counterTable(handle);
      await Promise.all(
        Array.from({ length: 300 }, () =>
          handle.db.transaction(
            async (tx) => {
              const row = await tx.get<{ value: number }>('SELECT value FROM counter WHERE id = 1');
              await tx.run('UPDATE counter SET value = ? WHERE id = 1', row!.value + 1);
            },
            { mode },
          ),
        ),
      );
      expect(await readCounter(handle)).toBe(300);
      const stats = handle.stats();
      expect(stats.committed).toBe(300);
      // Deferred transactions collide on the upgrade to a write lock and are rerun whole;
      // immediate ones queue at BEGIN and never need a rerun.
      if (mode === 'deferred') expect(stats.retried).toBeGreaterThan(0);
      else expect(stats.retried).toBe(0);
      expect(stats.busy).toBeGreaterThan(0);
    },
  );

  test('waiting for the write lock does not block the event loop', async () => {
    const handle = database();
    await counterTable(handle);
    let releaseHolder!: () => void;
    const holderMayCommit = new Promise<void>((resolve) => (releaseHolder = resolve));
    const holder = handle.db.transaction(async (tx) => {
      await tx.run('UPDATE counter SET value = value + 1 WHERE id = 1');
      await holderMayCommit;
    });
    await turns(1);
    const waiting = handle.db.run('UPDATE counter SET value = value + 10 WHERE id = 1');
    let ticks = 0;
    while (ticks < 50) {
      await turns(1);
      ticks++;
    }
    expect(handle.stats().busy).toBeGreaterThan(0);
    releaseHolder();
    await Promise.all([holder, waiting]);
    expect(await readCounter(handle)).toBe(11);
  });

  test('a body whose snapshot keeps going stale gives up after maxAttempts', async () => {
    const handle = database({ maxAttempts: 3 });
    await counterTable(handle);
    const attempts: number[] = [];
    await expect(
      handle.db.transaction(async (tx) => {
        attempts.push(tx.attempt);
        await tx.get('SELECT value FROM counter WHERE id = 1');
        // Another connection commits between this transaction's read and its write.
        await handle.db.run('UPDATE counter SET value = value + 1 WHERE id = 1');
        await tx.run('UPDATE counter SET value = 0 WHERE id = 1');
      }),
    ).rejects.toMatchObject({ code: 'ERR_DB_RETRY_LIMIT' });
    expect(attempts).toEqual([1, 2, 3]);
    expect(await readCounter(handle)).toBe(3);
  });

  test('a caught SQLITE_BUSY still reruns the whole body', async () => {
    const handle = database({ seed: 3, maxYields: 2 });
    await counterTable(handle);
    await Promise.all(
      Array.from({ length: 50 }, () =>
        handle.db.transaction(async (tx) => {
          const row = await tx.get<{ value: number }>('SELECT value FROM counter WHERE id = 1');
          try {
            await tx.run('UPDATE counter SET value = ? WHERE id = 1', row!.value + 1);
          } catch {
            // Swallowing the error does not commit a stale write: the attempt is already void.
          }
        }),
      ),
    );
    expect(await readCounter(handle)).toBe(50);
  });

  test('fake timers in the spec do not stall lock waits', async () => {
    vi.useFakeTimers();
    const handle = database({ seed: 1, maxYields: 2 });
    await counterTable(handle);
    await Promise.all(
      Array.from({ length: 100 }, () =>
        handle.db.transaction(async (tx) => {
          const row = await tx.get<{ value: number }>('SELECT value FROM counter WHERE id = 1');
          await tx.run('UPDATE counter SET value = ? WHERE id = 1', row!.value + 1);
        }),
      ),
    );
    expect(await readCounter(handle)).toBe(100);
  });

  test('two handles on one file in one thread wait for each other', async () => {
    const first = database({ seed: 5, maxYields: 2 });
    await counterTable(first);
    const second = openTestDatabase(first.file, { seed: 6, maxYields: 2 });
    opened.push(second);
    const increment = (handle: TestDatabase) =>
      handle.db.transaction(async (tx) => {
        const row = await tx.get<{ value: number }>('SELECT value FROM counter WHERE id = 1');
        await tx.run('UPDATE counter SET value = ? WHERE id = 1', row!.value + 1);
      });
    await Promise.all(Array.from({ length: 100 }, (_, index) => increment(index % 2 === 0 ? first : second)));
    expect(await readCounter(first)).toBe(100);
  });
});

describe('seeded interleavings', () => {
  async function completionOrder(seed: number): Promise<number[]> {
    const handle = database({ seed, maxYields: 4 });
    await handle.db.exec('CREATE TABLE log (caller INTEGER)');
    await Promise.all(
      Array.from({ length: 20 }, async (_, caller) => {
        await handle.db.get('SELECT 1');
        await handle.db.run('INSERT INTO log VALUES (?)', caller);
      }),
    );
    const rows = await handle.db.all<{ caller: number }>('SELECT caller FROM log ORDER BY rowid');
    return rows.map((row) => row.caller);
  }

  test('the same seed replays the same order; other seeds explore others', async () => {
    const first = await completionOrder(11);
    expect(await completionOrder(11)).toEqual(first);
    const others = await Promise.all([12, 13, 14].map(completionOrder));
    expect(others.some((order) => order.join() !== first.join())).toBe(true);
  });
});

describe('spec tools', () => {
  test('injected faults fail matching writes before they run', async () => {
    const handle = database();
    await handle.db.exec('CREATE TABLE items (id TEXT)');
    const fault = handle.injectFault({ skip: 1 });
    await expect(
      handle.db.transaction(async (tx) => {
        await tx.run("INSERT INTO items VALUES ('a')");
        await tx.get('SELECT count(*) FROM items');
        await tx.run("INSERT INTO items VALUES ('b')");
      }),
    ).rejects.toMatchObject({ code: 'SQLITE_IOERR', injected: true });
    expect(fault.seen).toBe(2);
    expect(fault.fired).toBe(1);
    expect(await handle.db.all('SELECT id FROM items')).toEqual([]);
    await handle.db.run("INSERT INTO items VALUES ('c')");
    expect(fault.fired).toBe(1);
    const every = handle.injectFault({ times: Infinity, when: (statement) => statement.readonly });
    await expect(handle.db.get('SELECT 1')).rejects.toMatchObject({ code: 'SQLITE_IOERR' });
    every.remove();
    expect(await handle.db.get('SELECT 1 AS one')).toEqual({ one: 1 });
  });

  test('hooks see every statement and may veto one', async () => {
    const seen: string[] = [];
    const handle = database({
      hooks: {
        beforeStatement(statement) {
          if (statement.sql.includes('forbidden')) throw new Error('vetoed');
        },
        afterStatement(statement: StatementInfo, outcome) {
          seen.push(`${statement.kind}:${outcome.ok}`);
        },
      },
    });
    await handle.db.exec('CREATE TABLE items (id TEXT)');
    await handle.db.transaction((tx) => tx.run("INSERT INTO items VALUES ('a')"));
    await expect(handle.db.run("INSERT INTO items VALUES ('forbidden')")).rejects.toThrow('vetoed');
    expect(seen).toEqual(['exec:true', 'begin:true', 'run:true', 'commit:true']);
  });

  test('recordings, dumps, row counts and full scans', async () => {
    const handle = database();
    const { db } = handle;
    await db.exec(`
      CREATE TABLE seats (seat_id TEXT PRIMARY KEY, holder TEXT);
      CREATE TABLE notes (body TEXT);
    `);
    await db.transaction(async (tx) => {
      for (let index = 0; index < 150; index++) await tx.run('INSERT INTO seats VALUES (?, NULL)', `S${index}`);
    });
    await db.run("INSERT INTO notes VALUES ('one')");
    const recorder = handle.record();
    await db.get('SELECT holder FROM seats WHERE seat_id = ?', 'S1');
    await db.get('SELECT s.seat_id FROM seats AS s WHERE s.holder = ?', 'u1');
    await db.all('SELECT * FROM notes');
    recorder.stop();
    await db.get('SELECT * FROM seats WHERE holder IS NULL');
    expect(recorder.statements.map((statement) => statement.kind)).toEqual(['get', 'get', 'all']);
    const scans = await handle.fullScans(recorder.statements);
    expect(scans).toEqual([
      { sql: 'SELECT s.seat_id FROM seats AS s WHERE s.holder = ?', table: 'seats', rows: 150, detail: 'SCAN s' },
    ]);
    expect(await handle.rowCounts()).toEqual({ notes: 1, seats: 150 });
    const dump = await handle.dump();
    expect(dump['notes']).toEqual([{ body: 'one' }]);
    expect(dump['seats']).toHaveLength(150);
    expect((await handle.explain('SELECT * FROM seats WHERE seat_id = ?', 'S1'))[0]?.detail).toMatch(/^SEARCH seats/);
  });

  test('close deletes the temp directory and later calls reject', async () => {
    const handle = createTestDatabase();
    await handle.db.exec('CREATE TABLE items (id TEXT)');
    const dir = dirname(handle.file);
    expect(existsSync(handle.file)).toBe(true);
    await handle.close();
    expect(existsSync(dir)).toBe(false);
    await expect(handle.db.get('SELECT 1')).rejects.toMatchObject({ code: 'ERR_DB_CLOSED' });
    await expect(handle.db.transaction(async () => 1)).rejects.toMatchObject({ code: 'ERR_DB_CLOSED' });
  });

  test('options are validated', () => {
    expect(() => createTestDatabase({ maxYields: -1 })).toThrow(/maxYields must be an integer >= 0, received -1/);
    expect(() => createTestDatabase({ maxConnections: 0 })).toThrow(RangeError);
    expect(() => openTestDatabase('relative.sqlite')).toThrow(TypeError);
  });
});

describe('crashes (an app instance dies mid-call)', () => {
  /** A second app instance on the same file, in this thread. */
  function secondInstance(first: TestDatabase): TestDatabase {
    const other = openTestDatabase(first.file);
    opened.push(other);
    return other;
  }

  test('a crash before a write rolls the transaction back and frees the lock for other instances', async () => {
    const handle = database();
    await counterTable(handle);
    const other = secondInstance(handle);
    handle.injectFault({ skip: 1, crash: 'before' });
    const call = handle.db.transaction(async (tx) => {
      await tx.run('UPDATE counter SET value = value + 1 WHERE id = 1');
      await tx.run('UPDATE counter SET value = value + 10 WHERE id = 1');
      return 'done';
    });
    expect(await settleWithin(call, 50)).toBe('pending');
    expect(handle.crashed).toBe(true);
    await other.db.transaction(async (tx) => tx.run('UPDATE counter SET value = value + 100 WHERE id = 1'), {
      mode: 'immediate',
    });
    expect(await readCounter(other)).toBe(100);
    expect(await settleWithin(handle.db.get('SELECT 1'), 20)).toBe('pending');
  });

  test('a crash after COMMIT keeps the commit, and the caller never hears', async () => {
    const handle = database();
    await counterTable(handle);
    handle.injectFault({ when: (statement) => statement.kind === 'commit', crash: 'after' });
    const call = handle.db.transaction(async (tx) => tx.run('UPDATE counter SET value = 7 WHERE id = 1'));
    expect(await settleWithin(call, 50)).toBe('pending');
    expect(await readCounter(secondInstance(handle))).toBe(7);
  });

  test('a crash while another transaction of the instance waits for the lock ends both, and unblocks the rest', async () => {
    const handle = database();
    await counterTable(handle);
    const other = secondInstance(handle);
    const holding = handle.db.transaction(
      async (tx) => {
        await tx.run('UPDATE counter SET value = 1 WHERE id = 1');
        await turns(5);
        return tx.run('UPDATE counter SET value = 2 WHERE id = 1');
      },
      { mode: 'immediate' },
    );
    const waiting = handle.db.transaction(async (tx) => tx.run('UPDATE counter SET value = 3 WHERE id = 1'), {
      mode: 'immediate',
    });
    const outsider = other.db.transaction(async (tx) => tx.run('UPDATE counter SET value = 4 WHERE id = 1'), {
      mode: 'immediate',
    });
    await turns(2);
    handle.crash();
    expect(await settleWithin(holding, 30)).toBe('pending');
    expect(await settleWithin(waiting, 30)).toBe('pending');
    await outsider;
    expect(await readCounter(other)).toBe(4);
  });

  test('fault targets name which statements a fault may hit', () => {
    const info = (kind: StatementInfo['kind'], readonly: boolean): StatementInfo => ({
      kind,
      sql: '',
      params: [],
      readonly,
      transaction: undefined,
      connectionId: 0,
    });
    expect(faultTargets.writes(info('run', false))).toBe(true);
    expect(faultTargets.writes(info('get', true))).toBe(false);
    expect(faultTargets.statements(info('get', true))).toBe(true);
    expect(faultTargets.statements(info('commit', false))).toBe(false);
    expect(faultTargets.everything(info('commit', false))).toBe(true);
  });

  test('crash must be before or after', () => {
    expect(() => database().injectFault({ crash: 'during' as never })).toThrow(
      "crash must be 'before' or 'after', received during",
    );
  });
});

describe('native objects (Node 24 aborts when a better-sqlite3 wrapper is garbage-collected)', () => {
  test('every connection and statement the kit creates stays retained after close', async () => {
    const before = retainedCount();
    const handle = createTestDatabase();
    await handle.db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY)');
    await handle.db.run('INSERT INTO items (id) VALUES (?)', 1);
    await handle.db.transaction((tx) => tx.get('SELECT id FROM items'));
    await handle.rowCounts();
    await handle.close();
    // autocommit connection + its INSERT, a pool connection + its SELECT, the inspector + 2 queries
    expect(retainedCount() - before).toBeGreaterThanOrEqual(7);
  });

  test('no project file but native.ts creates better-sqlite3 objects', () => {
    const valueImport =
      /^\s*import\s+(?!type\b)[^;]*?\bfrom\s+['"]better-sqlite3['"]|\b(?:require|import)\(\s*['"]better-sqlite3['"]\s*\)/m;
    const offenders = ['harness', 'katas', 'solutions'].flatMap((top) =>
      readdirSync(join(repositoryRoot, top), { recursive: true, encoding: 'utf8' })
        .filter((file) => /\.(?:ts|js|mjs)$/.test(file))
        .map((file) => join(top, file))
        .filter((file) => file !== join('harness', 'kit', 'db', 'native.ts'))
        .filter((file) => valueImport.test(readFileSync(join(repositoryRoot, file), 'utf8'))),
    );
    expect(offenders, 'use openConnection/prepareStatement/setPragma from harness/kit/db/native.ts').toEqual([]);
  });

  test('garbage collection after closing databases leaves the process running', async () => {
    for (let round = 0; round < 20; round++) {
      const handle = createTestDatabase();
      await handle.db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY)');
      for (let id = 0; id < 10; id++) await handle.db.run(`INSERT INTO items (id) VALUES (${id})`);
      await handle.dump();
      await handle.close();
    }
    // Collections triggered by allocation are the ones that abort on Node 24 (an explicit gc() does
    // not), so churn the young generation until it has been collected many times over.
    let churn = 0;
    for (let index = 0; index < 2_000_000; index++) churn += new Array<number>(16).fill(index).length;
    expect(churn).toBe(32_000_000);
  });
});
