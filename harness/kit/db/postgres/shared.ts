/**
 * What every handle on one PostgreSQL database in this thread shares: the sequencer (so statements
 * of two app instances in one thread are ordered together), a monitor connection of the kit's own
 * (pg_locks polls, pg_terminate_backend for crashes), and what the server allows (lock-wait
 * notices, its deadlock timeout), read once the database exists.
 */
import { PgConnection } from './connection.ts';
import { Sequencer, type Monitor } from './sequencer.ts';
import { DEADLOCK_TIMEOUT_MS } from './server.ts';

const BASE_OPTIONS = '-c client_min_messages=log';

interface ServerSettings {
  notices: boolean;
  deadlockTimeoutMs: number;
}

export class SharedDatabase implements Monitor {
  readonly sequencer: Sequencer;
  /** Startup settings of every connection of the handles (`-c name=value ...`). */
  startupOptions = BASE_OPTIONS;
  /** Resolves once the database exists and its settings are known; rejects with why not. */
  readonly ready: Promise<void>;
  users = 0;
  private monitorConnection: Promise<PgConnection> | undefined;
  private readonly settings: ServerSettings = { notices: true, deadlockTimeoutMs: DEADLOCK_TIMEOUT_MS };

  constructor(
    readonly url: string,
    created: Promise<void>,
  ) {
    this.sequencer = new Sequencer(this, this.settings);
    this.ready = created.then(() => this.readSettings());
    this.ready.catch(() => undefined);
  }

  private monitor(): Promise<PgConnection> {
    if (this.monitorConnection === undefined) {
      this.monitorConnection = PgConnection.open(this.url, -1, BASE_OPTIONS);
      this.monitorConnection.catch(() => {
        this.monitorConnection = undefined;
      });
    }
    return this.monitorConnection.then((connection) => {
      if (!connection.dead) return connection;
      this.monitorConnection = undefined;
      return this.monitor();
    });
  }

  /**
   * A superuser (the kit's own server, or KATA_PG_URL as one) sets what the sequencer needs per
   * session; anyone else gets the server's settings, and the fallback when they lack the notices.
   */
  private async readSettings(): Promise<void> {
    const monitor = await this.monitor();
    const { rows } = await monitor.query(
      `SELECT current_setting('log_lock_waits') AS log_lock_waits,
              current_setting('deadlock_timeout') AS deadlock_timeout,
              current_setting('lc_messages') AS lc_messages,
              (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser`,
    );
    const row = rows[0] as {
      log_lock_waits: string;
      deadlock_timeout: string;
      lc_messages: string;
      superuser: boolean;
    };
    if (row.superuser) {
      this.startupOptions = `${BASE_OPTIONS} -c log_lock_waits=on -c lc_messages=C -c deadlock_timeout=${DEADLOCK_TIMEOUT_MS}ms`;
      this.settings.notices = true;
      this.settings.deadlockTimeoutMs = DEADLOCK_TIMEOUT_MS;
      return;
    }
    this.settings.notices = row.log_lock_waits === 'on' && /^(?:C|POSIX|en)/i.test(row.lc_messages || 'C');
    this.settings.deadlockTimeoutMs = milliseconds(row.deadlock_timeout);
  }

  /** Of these backends, the ones waiting for a lock that has not been granted. */
  async ungranted(pids: readonly number[]): Promise<Set<number>> {
    if (pids.length === 0) return new Set();
    const monitor = await this.monitor();
    const { rows } = await monitor.query({
      name: 'kata-ungranted',
      text: 'SELECT DISTINCT pid FROM pg_locks WHERE NOT granted AND pid = ANY($1::int[])',
      values: [pids],
    });
    return new Set(rows.map((row: { pid: number }) => row.pid));
  }

  /** Terminates these backends and waits until they are gone (their transactions rolled back). */
  async terminate(pids: readonly number[]): Promise<void> {
    if (pids.length === 0) return;
    const monitor = await this.monitor();
    await monitor.query({
      text: 'SELECT pg_terminate_backend(pid, 10000) FROM unnest($1::int[]) AS pid',
      values: [pids],
    });
  }

  async close(): Promise<void> {
    const monitor = this.monitorConnection;
    this.monitorConnection = undefined;
    if (monitor !== undefined) await (await monitor.catch(() => undefined))?.close();
  }
}

function milliseconds(setting: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(us|ms|s|min|h)?$/.exec(setting.trim());
  if (match === null) return 1_000;
  const value = Number(match[1]);
  const unit = match[2] ?? 'ms';
  const factor = { us: 0.001, ms: 1, s: 1_000, min: 60_000, h: 3_600_000 }[unit] ?? 1;
  return value * factor;
}

const shared = new Map<string, SharedDatabase>();

function keyOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port}${parsed.pathname}`;
}

/** The state every handle on `url` in this thread shares. Release it when the handle closes. */
export function acquireShared(url: string, created: Promise<void>): SharedDatabase {
  const key = keyOf(url);
  let entry = shared.get(key);
  if (entry === undefined) {
    entry = new SharedDatabase(url, created);
    shared.set(key, entry);
  }
  entry.users++;
  return entry;
}

/** The sequencer's counters for a database open in this thread (overhead measurements, tests). */
export function sequencerCounters(url: string): Sequencer['counters'] | undefined {
  return shared.get(keyOf(url))?.sequencer.counters;
}

export async function releaseShared(entry: SharedDatabase): Promise<void> {
  entry.users--;
  if (entry.users > 0) return;
  const key = keyOf(entry.url);
  if (shared.get(key) === entry) shared.delete(key);
  await entry.close();
}
