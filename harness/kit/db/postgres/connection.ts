/**
 * One connection to PostgreSQL (a `pg` Client) with what the kit needs to know about it beyond
 * pg's API: its backend pid, each ReadyForQuery (the server has finished a statement, an error's
 * rollback included), and the lock-wait notices the server sends when log_lock_waits is on ("still
 * waiting for ShareLock on transaction 123", then "acquired ..."). Its socket holds the process
 * open only while a query is outstanding, so a database a spec forgot to close cannot hang it.
 */
import type pg from 'pg';

/** Where a backend stands in a lock wait, as its notices tell. */
export type LockWait = 'none' | 'checked';

const STILL_WAITING = /^process \d+ (?:still waiting for|avoided deadlock for) /;
const WAIT_ENDED = /^process \d+ (?:acquired|detected deadlock while waiting for|failed to acquire) /;

/**
 * pg is loaded on the first connection, not with the kit: every SQLite run (and every worker
 * thread of one) would otherwise pay for parsing it, about 28 ms per thread on the 2-core box.
 */
let pgModule: Promise<typeof pg> | undefined;
let loadedPg: typeof pg | undefined;
async function loadPg(): Promise<typeof pg> {
  pgModule ??= import('pg').then((module) => (loadedPg = module.default));
  return pgModule;
}

/** int8 (count(*), bigint columns) as a number when it is exact, as a bigint when it is not. */
function parseInt8(text: string): number | bigint {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 && format !== 'binary') return parseInt8;
    // Only a client asks for type parsers, so pg is loaded by then.
    if (loadedPg === undefined) throw new Error('pg is not loaded yet');
    return loadedPg.types.getTypeParser(oid, format ?? 'text');
  },
};

/**
 * A single statement over the extended protocol, even without parameters: one statement per call
 * (a `;`-separated script would otherwise run through the simple protocol), $1 placeholders.
 */
export function extendedQuery(text: string, values: readonly unknown[]): pg.QueryConfig {
  return { text, values: values as unknown[], queryMode: 'extended' } as pg.QueryConfig;
}

export interface ConnectionEvents {
  /** A statement finished (ReadyForQuery) or a lock-wait notice arrived. */
  onChange(connection: PgConnection): void;
}

export class PgConnection {
  readonly client: pg.Client;
  /** The backend's process id, for pg_locks, pg_stat_activity and pg_terminate_backend. */
  pid = 0;
  /** ReadyForQuery messages received so far. */
  readyCount = 0;
  /** The lock-wait state its notices report: 'checked' once the deadlock check ran and it still waits. */
  lockWait: LockWait = 'none';
  /** Lock-wait notices received so far (a statement that waited may have released a tuple lock). */
  lockNotices = 0;
  /** The connection failed or was terminated: it is never used again. */
  dead = false;
  /** The statement the sequencer sent on it and has not delivered yet (one at a time per connection). */
  flight: object | undefined;
  private outstanding = 0;
  private readonly stream: { ref(): void; unref(): void } | undefined;

  private constructor(
    readonly id: number,
    client: pg.Client,
    private readonly events: ConnectionEvents | undefined,
  ) {
    this.client = client;
    const internals = client as unknown as {
      connection: { stream?: { ref(): void; unref(): void }; on(event: string, listener: () => void): void };
      processID?: number;
    };
    this.stream = internals.connection.stream;
    internals.connection.on('readyForQuery', () => {
      this.readyCount++;
      this.events?.onChange(this);
    });
    client.on('notice', (notice) => {
      const message = notice.message ?? '';
      if (STILL_WAITING.test(message)) this.lockWait = 'checked';
      else if (WAIT_ENDED.test(message)) this.lockWait = 'none';
      else return;
      this.lockNotices++;
      this.events?.onChange(this);
    });
    this.pid = internals.processID ?? 0;
    this.stream?.unref();
  }

  /** Connects; `options` are startup settings (`-c name=value ...`). */
  static async open(url: string, id: number, options: string, events?: ConnectionEvents): Promise<PgConnection> {
    const { Client } = await loadPg();
    const client = new Client({ connectionString: url, options, types: typeParsers });
    // A terminated or failed connection emits 'error'; without a listener that would crash the process.
    let connection: PgConnection | undefined;
    client.on('error', () => {
      if (connection !== undefined) connection.dead = true;
    });
    client.on('end', () => {
      if (connection !== undefined) connection.dead = true;
    });
    await client.connect();
    connection = new PgConnection(id, client, events);
    return connection;
  }

  /** Runs a query; the socket keeps the process alive until it settles. */
  async query(config: pg.QueryConfig | string): Promise<pg.QueryResult> {
    this.outstanding++;
    this.stream?.ref();
    try {
      return await this.client.query(config as pg.QueryConfig);
    } finally {
      this.outstanding--;
      if (this.outstanding === 0) this.stream?.unref();
    }
  }

  /** 'I' idle, 'T' in a transaction, 'E' in a failed transaction (from the last ReadyForQuery). */
  get transactionStatus(): string | null {
    return (this.client as unknown as { _txStatus?: string | null })._txStatus ?? null;
  }

  async close(): Promise<void> {
    if (this.dead) return;
    this.dead = true;
    this.stream?.ref();
    try {
      await this.client.end();
    } catch {
      // closing a broken connection
    }
  }
}
