/**
 * The database kit on PostgreSQL: the handle, the spec's tools, crashes and faults, and the proofs
 * that the sequencer makes interleavings a function of the seed (a racy read-then-write loses
 * updates on every seed, a correct one never does; deadlocks and serialization failures surface
 * with their SQLSTATE). Runs against the kit's own throwaway server, or KATA_PG_URL.
 */
import { afterEach, expect, test, vi } from 'vitest';
import {
  createTestDatabase,
  faultTargets,
  openTestDatabase,
  settleWithin,
  type Database,
  type DatabaseOptions,
  type StatementInfo,
  type TestDatabase,
  type Transaction,
} from './index.ts';
import { sequencerCounters } from './postgres/shared.ts';
import { describePostgres } from './postgres/testing.ts';

const opened: TestDatabase[] = [];

function database(options: DatabaseOptions = {}): TestDatabase {
  const created = createTestDatabase({ ...options, engine: 'postgres' });
  opened.push(created);
  return created;
}

function secondInstance(first: TestDatabase, options: DatabaseOptions = {}): TestDatabase {
  const other = openTestDatabase(first.location, options);
  opened.push(other);
  return other;
}

afterEach(async () => {
  vi.useRealTimers();
  for (const handle of opened.splice(0).reverse()) await handle.close();
});

async function counterTable(db: Database, rows = 1): Promise<void> {
  await db.exec('CREATE TABLE counter (id int PRIMARY KEY, value int NOT NULL)');
  for (let id = 1; id <= rows; id++) await db.run('INSERT INTO counter (id, value) VALUES ($1, 0)', id);
}

async function readCounter(db: Database, id = 1): Promise<number> {
  return (await db.get<{ value: number }>('SELECT value FROM counter WHERE id = $1', id))!.value;
}

/** Resolves after the given number of macrotask turns. */
async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
}

const SEEDS = [1, 2, 3, 4, 5];
/** A real server on a shared 2-core machine: give the seeded races room. */
const SLOW = { timeout: 180_000 };

describePostgres('PostgreSQL handle', () => {
  test('run, get, all and exec behave like an async driver, in PostgreSQL dialect', async () => {
    const handle = database();
    const { db } = handle;
    expect(db.dialect).toBe('postgres');
    expect(handle.dialect).toBe('postgres');
    expect(handle.location).toMatch(/^postgres:\/\/.+\/kata_/);
    expect(handle.file).toBe(handle.location);
    await db.exec('CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, big bigint)');
    expect(await db.run('INSERT INTO items (name, big) VALUES ($1, $2)', 'a', 5)).toEqual({
      changes: 1,
      lastInsertRowid: 0,
    });
    expect(await db.get('INSERT INTO items (name) VALUES ($1) RETURNING id', 'b')).toEqual({ id: 2 });
    expect(await db.get('SELECT name FROM items WHERE id = $1', 2)).toEqual({ name: 'b' });
    expect(await db.get('SELECT name FROM items WHERE id = $1', 99)).toBeUndefined();
    expect(await db.all('SELECT id, name FROM items ORDER BY id')).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
    // int8 comes back as a number when it is exact, a bigint when it is not.
    expect(await db.get('SELECT count(*) AS n, $1::bigint AS huge FROM items', '9007199254740993')).toEqual({
      n: 2,
      huge: 9007199254740993n,
    });
    expect((await db.run('UPDATE items SET name = $1 WHERE id > $2', 'z', 0)).changes).toBe(2);
    expect((await db.run('SELECT 1')).changes).toBe(0);
    expect(await db.get('SELECT $1::bytea AS raw', new Uint8Array([1, 2]))).toEqual({ raw: Buffer.from([1, 2]) });
  });

  test('SQL errors reject with pg errors and their SQLSTATE; SQLite-isms are refused by name', async () => {
    const { db } = database();
    await db.exec('CREATE TABLE items (id text PRIMARY KEY)');
    await db.run("INSERT INTO items VALUES ('a')");
    await expect(db.run("INSERT INTO items VALUES ('a')")).rejects.toMatchObject({
      code: '23505',
      constraint: 'items_pkey',
    });
    await expect(db.get('SELEC nonsense')).rejects.toMatchObject({ code: '42601' });
    await expect(db.get('SELECT * FROM items WHERE id = ?', 'a')).rejects.toMatchObject({ code: '42601' });
    await expect(db.run('INSERT INTO items VALUES (:id)', { id: 'b' })).rejects.toThrow(
      /named parameters \(:name, @name\) are SQLite-only/,
    );
    await expect(db.run(42 as unknown as string)).rejects.toThrow(/sql must be a string, received number 42/);
    await expect(db.transaction('nope' as never)).rejects.toThrow(TypeError);
    await expect(db.transaction(async () => 1, { mode: 'immediate' })).rejects.toThrow(
      /mode "immediate" is SQLite's .* On PostgreSQL choose \{ isolation/,
    );
    await expect(db.transaction(async () => 1, { isolation: 'snapshot' as never })).rejects.toThrow(RangeError);
  });

  test('transaction control belongs to the kit; a function body is not mistaken for it', async () => {
    const { db } = database();
    await db.exec('CREATE TABLE items (id text)');
    await expect(db.run('BEGIN')).rejects.toMatchObject({ code: 'ERR_DB_TRANSACTION_CONTROL' });
    await expect(db.run('START TRANSACTION')).rejects.toMatchObject({ code: 'ERR_DB_TRANSACTION_CONTROL' });
    await expect(db.exec("INSERT INTO items VALUES ('1'); COMMIT")).rejects.toMatchObject({
      code: 'ERR_DB_TRANSACTION_CONTROL',
    });
    expect(await db.all('SELECT * FROM items')).toEqual([]);
    await db.exec(`
      -- BEGIN in a comment, and in a dollar-quoted body, is no transaction control
      CREATE FUNCTION shout(text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN upper($1); END $$;
      INSERT INTO items VALUES ('begin; commit');
    `);
    expect(await db.get('SELECT shout(id) AS loud FROM items')).toEqual({ loud: 'BEGIN; COMMIT' });
    await expect(db.transaction((tx) => tx.run('COMMIT'))).rejects.toMatchObject({
      code: 'ERR_DB_TRANSACTION_CONTROL',
    });
    await db.transaction(async (tx) => {
      await tx.exec('SAVEPOINT s1');
      await tx.run("INSERT INTO items VALUES ('kept')");
      await tx.exec('RELEASE SAVEPOINT s1');
    });
    expect(await db.all('SELECT id FROM items ORDER BY id')).toEqual([{ id: 'begin; commit' }, { id: 'kept' }]);
  });

  test('commit on success, roll back on throw, isolation as asked, and the body may await', async () => {
    const { db } = database();
    await db.exec('CREATE TABLE items (id text)');
    const value = await db.transaction(async (tx) => {
      await tx.run("INSERT INTO items VALUES ('kept')");
      await turns(3);
      return tx.isolation;
    });
    expect(value).toBe('read committed');
    await expect(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO items VALUES ('lost')");
        throw new Error('payment declined');
      }),
    ).rejects.toThrow('payment declined');
    expect(await db.all('SELECT id FROM items')).toEqual([{ id: 'kept' }]);
    for (const isolation of ['read committed', 'repeatable read', 'serializable'] as const) {
      const shown = await db.transaction((tx) => tx.get<{ level: string }>('SHOW transaction_isolation'), {
        isolation,
      });
      expect(shown).toEqual({ transaction_isolation: isolation });
    }
  });

  test('a statement error aborts the transaction: swallowing it does not commit the rest', async () => {
    const { db } = database();
    await db.exec('CREATE TABLE items (id text PRIMARY KEY)');
    await db.run("INSERT INTO items VALUES ('a')");
    let afterError: unknown;
    await expect(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO items VALUES ('b')");
        await tx.run("INSERT INTO items VALUES ('a')").catch(() => undefined);
        afterError = await tx.get('SELECT 1').catch((error: unknown) => error);
        return 'looked fine';
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(afterError).toMatchObject({ code: '25P02' });
    expect(await db.all('SELECT id FROM items')).toEqual([{ id: 'a' }]);
  });

  test('concurrent transactions are separate connections; a late statement is rejected', async () => {
    const handle = database({ maxConnections: 2 });
    const { db } = handle;
    await db.exec('CREATE TABLE items (id text)');
    let releaseWriter!: () => void;
    const writerMayCommit = new Promise<void>((resolve) => (releaseWriter = resolve));
    const writer = db.transaction(async (tx) => {
      await tx.run("INSERT INTO items VALUES ('pending')");
      await writerMayCommit;
    });
    await turns(20);
    const seenDuring = await db.transaction((tx) => tx.all('SELECT id FROM items'));
    releaseWriter();
    await writer;
    expect(seenDuring).toEqual([]);
    expect(await db.all('SELECT id FROM items')).toEqual([{ id: 'pending' }]);
    let leaked: Promise<unknown> | undefined;
    await db.transaction(async (tx) => {
      leaked = (async () => {
        await turns(5);
        return tx.run("INSERT INTO items VALUES ('late')");
      })();
      leaked.catch(() => undefined);
    });
    await expect(leaked).rejects.toMatchObject({ code: 'ERR_DB_TRANSACTION_CLOSED' });
    // 10 transactions through a pool of 2.
    await Promise.all(
      Array.from({ length: 10 }, (_, n) => db.transaction((tx) => tx.run('INSERT INTO items VALUES ($1)', `t${n}`))),
    );
    expect(await handle.rowCounts()).toEqual({ items: 11 });
    expect(handle.stats().connectionsOpened).toBeLessThanOrEqual(4);
  });
});

describePostgres('PostgreSQL interleavings are a function of the seed', () => {
  const CALLERS = 16;

  async function race(seed: number, body: (tx: Transaction) => Promise<unknown>): Promise<number> {
    const handle = database({ seed, maxYields: 3 });
    await counterTable(handle.db);
    await Promise.all(Array.from({ length: CALLERS }, () => handle.db.transaction(body)));
    const value = await readCounter(handle.db);
    await handle.close();
    return value;
  }

  const readThenWrite = async (tx: Transaction): Promise<void> => {
    const row = await tx.get<{ value: number }>('SELECT value FROM counter WHERE id = 1');
    await tx.run('UPDATE counter SET value = $1 WHERE id = 1', row!.value + 1);
  };

  test('a read-then-write without locks at READ COMMITTED loses updates on every seed', SLOW, async () => {
    for (const seed of SEEDS) expect(await race(seed, readThenWrite), `seed ${seed}`).toBeLessThan(CALLERS);
  });

  test('UPDATE ... SET value = value + 1 and SELECT ... FOR UPDATE never lose one, on any seed', SLOW, async () => {
    for (const seed of SEEDS) {
      expect(await race(seed, (tx) => tx.run('UPDATE counter SET value = value + 1 WHERE id = 1'))).toBe(CALLERS);
      expect(
        await race(seed, async (tx) => {
          const row = await tx.get<{ value: number }>('SELECT value FROM counter WHERE id = 1 FOR UPDATE');
          await tx.run('UPDATE counter SET value = $1 WHERE id = 1', row!.value + 1);
        }),
        `seed ${seed}`,
      ).toBe(CALLERS);
    }
  });

  test('the same seed replays the same history; other seeds explore others', SLOW, async () => {
    async function history(seed: number): Promise<string> {
      const handle = database({ seed, maxYields: 4 });
      await handle.db.exec('CREATE TABLE log (n serial PRIMARY KEY, caller int, seen int)');
      await counterTable(handle.db);
      await Promise.all(
        Array.from({ length: 12 }, (_, caller) =>
          handle.db.transaction(async (tx) => {
            const row = await tx.get<{ value: number }>('SELECT value FROM counter WHERE id = 1');
            await tx.run('UPDATE counter SET value = value + 1 WHERE id = 1');
            await tx.run('INSERT INTO log (caller, seen) VALUES ($1, $2)', caller, row!.value);
          }),
        ),
      );
      const rows = await handle.db.all<{ caller: number; seen: number }>('SELECT caller, seen FROM log ORDER BY n');
      await handle.close();
      return rows.map((row) => `${row.caller}:${row.seen}`).join(' ');
    }
    const first = await history(11);
    expect(await history(11)).toBe(first);
    expect(await history(11)).toBe(first);
    const others = await Promise.all([12, 13].map(history));
    expect(others.some((order) => order !== first)).toBe(true);
  });

  test(
    'a deadlock between two row locks fails one side with 40P01, the same side for the same seed',
    SLOW,
    async () => {
      async function deadlock(seed: number): Promise<string[]> {
        const handle = database({ seed, maxYields: 2 });
        await counterTable(handle.db, 2);
        const lockBoth = (first: number, second: number) =>
          handle.db
            .transaction(async (tx) => {
              await tx.run('UPDATE counter SET value = value + 1 WHERE id = $1', first);
              await tx.get('SELECT 1');
              await tx.run('UPDATE counter SET value = value + 1 WHERE id = $1', second);
            })
            .then(
              () => 'committed',
              (error: { code?: string }) => error.code ?? 'error',
            );
        const outcomes = await Promise.all([lockBoth(1, 2), lockBoth(2, 1)]);
        await handle.close();
        return outcomes;
      }
      for (const seed of [1, 2, 3]) {
        const outcomes = await deadlock(seed);
        const failed = outcomes.filter((outcome) => outcome !== 'committed');
        // With these yields the two transactions may also run one after the other: then no deadlock.
        if (failed.length > 0) expect(failed, `seed ${seed}`).toEqual(['40P01']);
        expect(await deadlock(seed), `seed ${seed} again`).toEqual(outcomes);
      }
      // No yields: both take their first lock before either takes its second.
      const handle = database();
      await counterTable(handle.db, 2);
      const gate = Promise.resolve();
      const outcomes = await Promise.all(
        [
          [1, 2],
          [2, 1],
        ].map(([first, second]) =>
          handle.db
            .transaction(async (tx) => {
              await tx.run('UPDATE counter SET value = value + 1 WHERE id = $1', first!);
              await gate;
              await tx.run('UPDATE counter SET value = value + 1 WHERE id = $1', second!);
            })
            .then(
              () => 'committed',
              (error: { code?: string }) => error.code,
            ),
        ),
      );
      expect(outcomes).toEqual(['committed', '40P01']);
    },
  );

  test(
    'SERIALIZABLE: a read-then-write that is not retried fails with 40001; one that retries succeeds',
    SLOW,
    async () => {
      const withdraw = (db: Database, retry: boolean) => async (): Promise<string> => {
        for (let attempt = 1; ; attempt++) {
          try {
            await db.transaction(
              async (tx) => {
                const row = await tx.get<{ total: number }>(
                  'SELECT coalesce(sum(value), 0)::int AS total FROM counter',
                );
                if (row!.total < 5)
                  await tx.run('INSERT INTO counter (id, value) VALUES ($1, 1)', 100 + Math.floor(Math.random() * 1e9));
              },
              { isolation: 'serializable' },
            );
            return 'ok';
          } catch (error) {
            const code = (error as { code?: string }).code;
            if (!retry || code !== '40001' || attempt > 50) return code ?? 'error';
          }
        }
      };
      for (const seed of [1, 2, 3]) {
        const naive = database({ seed, maxYields: 2 });
        await naive.db.exec('CREATE TABLE counter (id int PRIMARY KEY, value int NOT NULL)');
        const outcomes = await Promise.all(Array.from({ length: 8 }, () => withdraw(naive.db, false)()));
        expect(outcomes, `seed ${seed}`).toContain('40001');
        expect((await naive.rowCounts())['counter']).toBeLessThanOrEqual(5);
        const careful = database({ seed, maxYields: 2 });
        await careful.db.exec('CREATE TABLE counter (id int PRIMARY KEY, value int NOT NULL)');
        const retried = await Promise.all(Array.from({ length: 8 }, () => withdraw(careful.db, true)()));
        expect(retried, `seed ${seed}`).toEqual(Array(8).fill('ok'));
        expect(await careful.rowCounts()).toEqual({ counter: 5 });
        await naive.close();
        await careful.close();
      }
    },
  );

  test('fake timers in the spec do not stall the sequencer; deterministic: false races for real', SLOW, async () => {
    vi.useFakeTimers();
    try {
      const handle = database({ seed: 1, maxYields: 2 });
      await counterTable(handle.db);
      await Promise.all(
        Array.from({ length: 20 }, () =>
          handle.db.transaction((tx) => tx.run('UPDATE counter SET value = value + 1 WHERE id = 1')),
        ),
      );
      expect(await readCounter(handle.db)).toBe(20);
    } finally {
      vi.useRealTimers();
    }
    const free = database({ deterministic: false, maxConnections: 4 });
    await counterTable(free.db);
    await Promise.all(
      Array.from({ length: 40 }, () =>
        free.db.transaction(async (tx) => {
          const row = await tx.get<{ value: number }>('SELECT value FROM counter WHERE id = 1 FOR UPDATE');
          await tx.run('UPDATE counter SET value = $1 WHERE id = 1', row!.value + 1);
        }),
      ),
    );
    expect(await readCounter(free.db)).toBe(40);
    expect(sequencerCounters(free.location)?.sent ?? 0).toBeLessThan(10);
  });

  test('two instances in one thread share the sequencer; the overhead is measured', SLOW, async () => {
    const first = database({ seed: 5, maxYields: 2 });
    await counterTable(first.db);
    const second = secondInstance(first, { seed: 6, maxYields: 2 });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 1000 }, (_, index) =>
        (index % 2 === 0 ? first : second).db.run('UPDATE counter SET value = value + 1 WHERE id = 1'),
      ),
    );
    const autocommitMs = performance.now() - started;
    expect(await readCounter(first.db)).toBe(1000);
    const contended = performance.now();
    await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        (index % 2 === 0 ? first : second).db.transaction(async (tx) => {
          const row = await tx.get<{ value: number }>('SELECT value FROM counter WHERE id = 1 FOR UPDATE');
          await tx.run('UPDATE counter SET value = $1 WHERE id = 1', row!.value + 1);
        }),
      ),
    );
    const contendedMs = performance.now() - contended;
    expect(await readCounter(first.db)).toBe(1100);
    console.info(
      `sequencer: 1000 autocommit increments from 2 instances in ${autocommitMs.toFixed(0)} ms; ` +
        `100 contended SELECT ... FOR UPDATE transactions in ${contendedMs.toFixed(0)} ms; ` +
        JSON.stringify(sequencerCounters(first.location)),
    );
  });
});

describePostgres('PostgreSQL spec tools', () => {
  test('hooks see every statement, the kit own BEGIN and COMMIT included, and may veto one', async () => {
    const seen: string[] = [];
    const handle = database({
      hooks: {
        beforeStatement(statement) {
          if (statement.sql.includes('forbidden')) throw new Error('vetoed');
        },
        afterStatement(statement: StatementInfo, outcome) {
          seen.push(`${statement.kind}:${statement.readonly}:${outcome.ok}`);
        },
      },
    });
    await handle.db.exec('CREATE TABLE items (id text)');
    await handle.db.transaction(async (tx) => {
      await tx.run("INSERT INTO items VALUES ('a')");
      await tx.get('SELECT id FROM items FOR UPDATE');
    });
    await expect(handle.db.run("INSERT INTO items VALUES ('forbidden')")).rejects.toThrow('vetoed');
    expect(seen).toEqual([
      'exec:false:true',
      'begin:true:true',
      'run:false:true',
      'get:true:true',
      'commit:false:true',
    ]);
  });

  test('injected faults fail matching statements before they run (58030), at any step', async () => {
    const handle = database();
    await handle.db.exec('CREATE TABLE items (id text)');
    const fault = handle.injectFault({ skip: 1 });
    await expect(
      handle.db.transaction(async (tx) => {
        await tx.run("INSERT INTO items VALUES ('a')");
        await tx.get('SELECT count(*) FROM items');
        await tx.run("INSERT INTO items VALUES ('b')");
      }),
    ).rejects.toMatchObject({ code: '58030', injected: true });
    expect(fault.seen).toBe(2);
    expect(fault.fired).toBe(1);
    expect(await handle.db.all('SELECT id FROM items')).toEqual([]);
    // Stepping a fault through every statement, BEGIN and COMMIT included: all or nothing each time.
    for (let skip = 0; skip < 4; skip++) {
      const stepping = handle.injectFault({ when: faultTargets.everything, skip });
      const outcome = await handle.db
        .transaction(async (tx) => {
          await tx.run("INSERT INTO items VALUES ('x')");
          await tx.run("INSERT INTO items VALUES ('y')");
        })
        .then(
          () => 'ok',
          (error: { code?: string }) => error.code,
        );
      stepping.remove();
      expect(outcome, `skip ${skip}`).toBe('58030');
      expect(await handle.rowCounts(), `skip ${skip}`).toEqual({ items: 0 });
    }
  });

  test('a crash before a write rolls back at once and frees the lock for other instances', async () => {
    const handle = database();
    await counterTable(handle.db);
    const other = secondInstance(handle);
    handle.injectFault({ skip: 1, crash: 'before' });
    const call = handle.db.transaction(async (tx) => {
      await tx.run('UPDATE counter SET value = value + 1 WHERE id = 1');
      await tx.run('UPDATE counter SET value = value + 10 WHERE id = 1');
      return 'done';
    });
    expect(await settleWithin(call, 100)).toBe('pending');
    expect(handle.crashed).toBe(true);
    await other.db.transaction(async (tx) => tx.run('UPDATE counter SET value = value + 100 WHERE id = 1'));
    expect(await readCounter(other.db)).toBe(100);
    expect(await settleWithin(handle.db.get('SELECT 1'), 50)).toBe('pending');
  });

  test('a crash after COMMIT keeps the commit, and the caller never hears', async () => {
    const handle = database();
    await counterTable(handle.db);
    handle.injectFault({ when: (statement) => statement.kind === 'commit', crash: 'after' });
    const call = handle.db.transaction(async (tx) => tx.run('UPDATE counter SET value = 7 WHERE id = 1'));
    expect(await settleWithin(call, 100)).toBe('pending');
    expect(await readCounter(secondInstance(handle).db)).toBe(7);
  });

  test('crash() while a transaction of the instance waits for a row lock ends both and unblocks the rest', async () => {
    const handle = database();
    await counterTable(handle.db);
    const other = secondInstance(handle);
    let holdingReady!: () => void;
    const holdingHasLock = new Promise<void>((resolve) => (holdingReady = resolve));
    const holding = handle.db.transaction(async (tx) => {
      await tx.run('UPDATE counter SET value = 1 WHERE id = 1');
      holdingReady();
      await new Promise(() => undefined);
    });
    await holdingHasLock;
    const waiting = handle.db.transaction(async (tx) => tx.run('UPDATE counter SET value = 3 WHERE id = 1'));
    const outsider = other.db.transaction(async (tx) => tx.run('UPDATE counter SET value = value + 4 WHERE id = 1'));
    await turns(20);
    handle.crash();
    expect(await settleWithin(holding, 30)).toBe('pending');
    expect(await settleWithin(waiting, 30)).toBe('pending');
    await outsider;
    expect(await readCounter(other.db)).toBe(4);
    expect(handle.stats().rolledBack).toBeGreaterThanOrEqual(1);
  });

  test('recordings, dumps, row counts, plans and full scans', async () => {
    const handle = database();
    const { db } = handle;
    await db.exec(`
      CREATE TABLE seats (seat_id text PRIMARY KEY, holder text);
      CREATE TABLE notes (body text);
    `);
    await db.transaction(async (tx) => {
      for (let index = 0; index < 150; index++) await tx.run('INSERT INTO seats VALUES ($1, NULL)', `S${index}`);
    });
    await db.run("INSERT INTO notes VALUES ('two'), ('one')");
    const recorder = handle.record();
    await db.get('SELECT holder FROM seats WHERE seat_id = $1', 'S1');
    await db.get('SELECT s.seat_id FROM seats AS s WHERE s.holder = $1', 'u1');
    await db.all('SELECT * FROM notes');
    recorder.stop();
    await db.get('SELECT * FROM seats WHERE holder IS NULL');
    expect(recorder.statements.map((statement) => statement.kind)).toEqual(['get', 'get', 'all']);
    const scans = await handle.fullScans(recorder.statements);
    expect(scans).toEqual([
      {
        sql: 'SELECT s.seat_id FROM seats AS s WHERE s.holder = $1',
        table: 'seats',
        rows: 150,
        detail: 'Seq Scan on seats s',
      },
    ]);
    expect(await handle.fullScans(recorder.statements, { minRows: 1000 })).toEqual([]);
    expect(await handle.rowCounts()).toEqual({ notes: 2, seats: 150 });
    const dump = await handle.dump();
    expect(dump['notes']).toEqual([{ body: 'one' }, { body: 'two' }]);
    expect(dump['seats']).toHaveLength(150);
    const plan = await handle.explain('SELECT * FROM seats WHERE seat_id = $1', 'S1');
    expect(plan[0]?.detail).toMatch(/^(?:Index Scan using seats_pkey on seats|Seq Scan on seats)$/);
    expect(plan[0]?.node?.['Node Type']).toBeDefined();
  });

  test('close drops the database and later calls reject', async () => {
    const handle = createTestDatabase({ engine: 'postgres' });
    await handle.db.exec('CREATE TABLE items (id text)');
    const name = new URL(handle.location).pathname.slice(1);
    await handle.close();
    await expect(handle.db.get('SELECT 1')).rejects.toMatchObject({ code: 'ERR_DB_CLOSED' });
    await expect(handle.db.transaction(async () => 1)).rejects.toMatchObject({ code: 'ERR_DB_CLOSED' });
    const witness = database();
    expect(await witness.db.get('SELECT count(*) AS n FROM pg_database WHERE datname = $1', name)).toEqual({ n: 0 });
  });

  test('KATA_DB=postgres makes createTestDatabase pick PostgreSQL; an unknown engine is refused', async () => {
    const saved = process.env['KATA_DB'];
    try {
      process.env['KATA_DB'] = 'postgres';
      const handle = createTestDatabase();
      opened.push(handle);
      expect(handle.db.dialect).toBe('postgres');
      process.env['KATA_DB'] = 'mysql';
      expect(() => createTestDatabase()).toThrow(/KATA_DB must be 'sqlite' or 'postgres', received "mysql"/);
    } finally {
      if (saved === undefined) delete process.env['KATA_DB'];
      else process.env['KATA_DB'] = saved;
    }
    const sqlite = createTestDatabase({ engine: 'sqlite' });
    opened.push(sqlite);
    expect(sqlite.db.dialect).toBe('sqlite');
    expect(sqlite.location).toBe(sqlite.file);
  });

  test('one spec body, both engines: the SQL differs, the kit does not', async () => {
    for (const engine of ['sqlite', 'postgres'] as const) {
      const handle = createTestDatabase({ engine, seed: 3, maxYields: 2 });
      opened.push(handle);
      const { db } = handle;
      const p = (n: number) => (db.dialect === 'postgres' ? `$${n}` : '?');
      await db.exec('CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)');
      await db.run(`INSERT INTO counter (id, value) VALUES (${p(1)}, 0)`, 1);
      await Promise.all(Array.from({ length: 30 }, () => db.run('UPDATE counter SET value = value + 1 WHERE id = 1')));
      expect(await handle.dump(), engine).toEqual({ counter: [{ id: 1, value: 30 }] });
    }
  });
});
