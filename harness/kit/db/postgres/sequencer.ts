/**
 * Deterministic interleavings on a real PostgreSQL server.
 *
 * A server answers when it answers: two statements sent at once on two connections take effect in
 * an order no one controls, and that order decides whether a lost update happens. So in one thread,
 * every statement of every handle on the same database passes through this sequencer. A statement
 * waits a seeded number of the sequencer's turns; then it alone is sent, and nothing else is sent
 * until the database is quiescent again: every statement in flight has answered (ReadyForQuery, so
 * an error's rollback is done too) or is stuck in a lock wait that nothing in flight can end. Only
 * then are the answers delivered to their callers, in the order the statements were sent, and the
 * next statement is chosen. So what runs, in which order, and which statement waits for which lock
 * depend on the seed alone, never on timing.
 *
 * Knowing "stuck in a lock wait": the server's own word. With log_lock_waits on, a backend that
 * still waits when its deadlock check runs (deadlock_timeout after the wait began) sends the client
 * "process N still waiting for ShareLock on transaction M", and "acquired ..." once it gets the
 * lock. Waiting for that notice also fixes which side of a deadlock fails: the first waiter's check
 * has run (and found no cycle) before the statement that closes the cycle is sent, so the deadlock
 * is always found by, and reported to, the statement that closed it (40P01).
 *
 * Knowing "nothing in flight can end it": a statement that ends a transaction (COMMIT, ROLLBACK, an
 * error, an autocommit statement) or waited for a lock itself may have released a lock that a
 * waiter was granted in the meantime, before that waiter runs and says so. So after such an answer,
 * while anything waits, pg_locks is read: a waiter whose lock is no longer ungranted is running
 * again, and the sequencer waits for it too. A kit COMMIT or ROLLBACK sent while others wait
 * carries that read in its own query string ("COMMIT; SELECT ... FROM pg_locks"), so it costs no
 * extra round trip; a lone statement with nothing waiting costs no poll at all.
 *
 * One waiter at a time: when a transaction commits, PostgreSQL wakes the statement waiting for its
 * row, and that one, as it moves to the row's new version, hands the row's queue on to the next
 * waiter while it still runs: two backends then race inside the server for the new version. So a
 * statement that would join a queue from a transaction holding no locks yet (its first write or
 * locking read, an autocommit write) is not sent while another statement waits; it goes once the
 * wait is over. Transactions that already hold locks are not held back (they end the waits, and
 * that is how deadlocks happen), and when nothing else can move the held statement goes anyway.
 *
 * Where the server sends no lock-wait notices (KATA_PG_URL without the right to set log_lock_waits),
 * a statement found waiting on an ungranted lock for longer than the deadlock timeout is taken as
 * stuck: still deterministic in what runs, though which side of a deadlock fails may vary.
 */
import { clearTimeout, setImmediate, setTimeout } from 'node:timers';
import { PgConnection } from './connection.ts';

/** One macrotask turn, from node:timers so a spec's fake timers cannot stall it. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The side a statement belongs to: an app instance (an engine) that may crash or close. */
export interface Owner {
  readonly crashed: boolean;
}

/** A statement sent to the server whose answer has not been delivered yet. */
export interface Flight {
  readonly connection: PgConnection;
  readonly owner: Owner;
  /** When it was chosen (delivery order). */
  readonly order: number;
  /** The connection's ReadyForQuery count when it was sent. */
  readonly readyAtSend: number;
  /** The connection's lock-notice count when it was sent. */
  readonly noticesAtSend: number;
  /** pg's promise settled (the engine sets it). */
  answered: boolean;
  /** Ended a transaction, failed, or is a script: its end may release locks others wait for. */
  readonly endsTransaction: () => boolean;
  /**
   * A COMMIT or ROLLBACK sent while others waited carries its own pg_locks read (in the same
   * query string, right after it): the waiters as they were when it was sent, with their notice
   * counts then, and, once it answered, which of them were still ungranted.
   */
  afterwards?: { readonly waiting: ReadonlyMap<Flight, number>; ungranted?: ReadonlySet<number> };
  /** Resolves or rejects the caller, after the after-statement hooks. Called once, in order. */
  deliver(): void;
  /** The sequencer itself failed (its own queries to the server): reject the caller with it. */
  fail(error: unknown): void;
  /** Internal: pg_locks showed it granted after it reported a wait; running until its next notice. */
  woken?: number | undefined;
  /** Internal: it ran while another statement ran too (so it may have taken and released a lock). */
  concurrent?: boolean;
  /** Internal: settlement already noted. */
  noted?: boolean;
}

/** A statement waiting for its turn. */
export interface Entry {
  readonly owner: Owner;
  /** Seeded turns still to wait. */
  turns: number;
  /** Whether it can be sent now (a statement that needs a free connection waits for one). */
  ready(): boolean;
  /**
   * Whether it may start waiting for a lock in a transaction that holds none yet (its first write
   * or locking read, or an autocommit write). Such a statement is held back while another
   * statement waits for a lock: see "One waiter at a time" above.
   */
  mayQueue(): boolean;
  /**
   * Hooks, faults, connection, then send. Resolves to the statement in flight, or undefined when
   * nothing was sent (a fault threw, the instance crashed, the database closed). `waiting` is every
   * statement waiting for a lock now, with its lock-notice count.
   */
  start(order: number, waiting: ReadonlyMap<Flight, number>): Promise<Flight | undefined>;
  /** The sequencer itself failed: reject the caller with it. */
  fail(error: unknown): void;
}

export interface SequencerOptions {
  /** The server sends lock-wait notices (log_lock_waits on, messages in English). */
  readonly notices: boolean;
  /** The server's deadlock_timeout in ms. */
  readonly deadlockTimeoutMs: number;
}

/** Queries about the database's backends, from a connection of the kit's own. */
export interface Monitor {
  /** Of these pids, the ones waiting for a lock that has not been granted. */
  ungranted(pids: readonly number[]): Promise<Set<number>>;
}

const FIRST_CHECK_MS = 20;
const LONGEST_CHECK_MS = 200;
/** With notices on, a wait with no notice this long is taken as stuck anyway (a safety net). */
const SILENT_WAIT_MS = 2_000;

export class Sequencer {
  private readonly queue: Entry[] = [];
  private flights: Flight[] = [];
  private readonly barriers: Array<() => Promise<void>> = [];
  private running = false;
  private nextOrder = 0;
  private events = 0;
  private needPoll = false;
  private wake: (() => void) | undefined;
  /** Loop turns in a row with only held-back statements to send (see mayQueue). */
  private stuck = 0;
  /** pid -> when pg_locks first showed it waiting with no notice (fallback). */
  private readonly silentWaits = new Map<number, number>();
  /** Statements sent, polls of pg_locks, fallback checks: for the overhead numbers. */
  readonly counters = { sent: 0, polls: 0, piggybacked: 0, checks: 0, turns: 0, waitMs: 0, pollMs: 0, quiesceMs: 0 };

  constructor(
    private readonly monitor: Monitor,
    private readonly options: SequencerOptions,
  ) {}

  /** Queues a statement; it is sent when its turns are spent, it is ready, and the database is quiescent. */
  submit(entry: Entry): void {
    this.queue.push(entry);
    this.kick();
  }

  /** Runs `work` (e.g. terminating a crashed instance's backends) before anything else is sent. */
  barrier(work: () => Promise<void>): void {
    this.barriers.push(work);
    this.kick();
  }

  /** A connection of this database said something (an answer, a lock notice). */
  changed(): void {
    this.events++;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    this.kick();
  }

  /** Something outside may have made a queued statement ready (a connection was released). */
  kick(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  /** True while statements are queued or in flight. */
  get busy(): boolean {
    return this.queue.length > 0 || this.flights.length > 0 || this.barriers.length > 0;
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        await nextTurn();
        this.counters.turns++;
        if (this.flights.some((flight) => this.settled(flight) || flight.owner.crashed)) {
          await this.quiesce();
          this.deliver();
        }
        const barrier = this.barriers.shift();
        if (barrier !== undefined) {
          try {
            await barrier();
          } finally {
            this.needPoll = true;
          }
          await this.quiesce();
          this.deliver();
          continue;
        }
        for (let index = this.queue.length - 1; index >= 0; index--) {
          if (this.queue[index]!.owner.crashed) this.queue.splice(index, 1);
        }
        // After quiesce and deliver, every flight left waits for a lock.
        const someoneWaits = this.flights.some((flight) => !flight.owner.crashed);
        let chosen = this.queue.findIndex(
          (entry) => entry.turns === 0 && entry.ready() && !(someoneWaits && entry.mayQueue()),
        );
        const counting = this.queue.some((entry) => entry.turns > 0);
        if (chosen === -1 && someoneWaits) {
          const held = this.queue.findIndex((entry) => entry.turns === 0 && entry.ready());
          if (held !== -1 && !counting) {
            // Nothing else can move for two turns: the held statement goes after all.
            if (++this.stuck >= 2) chosen = held;
            else continue;
          }
        }
        if (chosen !== -1) this.stuck = 0;
        if (chosen === -1 && !counting) {
          this.running = false;
          // A change that came in while deciding to stop must not be lost.
          if (this.flights.some((flight) => this.settled(flight))) this.kick();
          return;
        }
        const [entry] = chosen === -1 ? [] : this.queue.splice(chosen, 1);
        for (const other of this.queue) if (other.turns > 0) other.turns--;
        if (entry === undefined) continue;
        const waiting = new Map<Flight, number>();
        for (const flight of this.flights) {
          if (!flight.owner.crashed) waiting.set(flight, flight.connection.lockNotices);
        }
        const flight = await entry.start(this.nextOrder++, waiting);
        if (flight !== undefined) {
          this.counters.sent++;
          this.flights.push(flight);
        }
        await this.quiesce();
        this.deliver();
      }
    } catch (error) {
      // The kit's own queries failed (the server went away): fail everything waiting, loudly.
      this.running = false;
      const flights = this.flights.splice(0);
      const queued = this.queue.splice(0);
      for (const flight of flights) flight.fail(error);
      for (const entry of queued) entry.fail(error);
    }
  }

  private settled(flight: Flight): boolean {
    return flight.answered && (flight.connection.readyCount > flight.readyAtSend || flight.connection.dead);
  }

  private isRunning(flight: Flight): boolean {
    if (flight.woken !== undefined) {
      if (flight.connection.lockNotices === flight.woken) return true;
      flight.woken = undefined;
    }
    return flight.connection.lockWait !== 'checked';
  }

  /** Waits until every statement in flight has answered or is stuck in a lock wait. */
  private async quiesce(): Promise<void> {
    const start = performance.now();
    try {
      await this.quiesceUntimed();
    } finally {
      this.counters.quiesceMs += performance.now() - start;
    }
  }

  private async quiesceUntimed(): Promise<void> {
    let checkMs = FIRST_CHECK_MS;
    for (;;) {
      // Let every I/O callback of this loop iteration run: answers and notices already received.
      await nextTurn();
      const open: Flight[] = [];
      for (const flight of this.flights) {
        if (flight.owner.crashed) continue;
        if (this.settled(flight)) {
          if (!flight.noted) {
            flight.noted = true;
            const ungranted = flight.afterwards?.ungranted;
            if (ungranted !== undefined) {
              // Its own pg_locks read, taken right after it: the waiters it released are running.
              for (const [waiter, notices] of flight.afterwards!.waiting) {
                if (this.settled(waiter) || ungranted.has(waiter.connection.pid)) continue;
                waiter.woken = notices;
                waiter.concurrent = true;
              }
              this.counters.piggybacked++;
            }
            if (
              flight.concurrent ||
              (ungranted === undefined && flight.endsTransaction()) ||
              flight.connection.lockNotices !== flight.noticesAtSend
            ) {
              this.needPoll = true;
            }
          }
          continue;
        }
        open.push(flight);
      }
      const running = open.filter((flight) => this.isRunning(flight));
      if (running.length > 1) for (const flight of running) flight.concurrent = true;
      if (running.length > 0) {
        const before = this.events;
        const waitStart = performance.now();
        const timedOut = await this.nextEvent(checkMs);
        this.counters.waitMs += performance.now() - waitStart;
        if (timedOut && this.events === before) {
          checkMs = Math.min(checkMs * 2, LONGEST_CHECK_MS);
          await this.checkSilentWaits(running);
        }
        continue;
      }
      checkMs = FIRST_CHECK_MS;
      if (open.length === 0) {
        // Nobody waits: what a settlement may have released concerns no one.
        this.needPoll = false;
        return;
      }
      if (!this.needPoll) return;
      this.needPoll = false;
      const before = this.events;
      this.counters.polls++;
      const pollStart = performance.now();
      const ungranted = await this.monitor.ungranted(open.map((flight) => flight.connection.pid));
      this.counters.pollMs += performance.now() - pollStart;
      await nextTurn();
      if (this.events !== before) {
        this.needPoll = true;
        continue;
      }
      let woken = false;
      for (const flight of open) {
        if (ungranted.has(flight.connection.pid)) continue;
        flight.woken = flight.connection.lockNotices;
        flight.concurrent = true;
        woken = true;
      }
      if (!woken) return;
    }
  }

  /** Resolves on the next change, or after `ms` (true) when none came. */
  private nextEvent(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve(true);
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
  }

  /**
   * The fallback for waits the server did not report: a running statement whose backend waits on
   * an ungranted lock long enough is taken as stuck (as if its notice had come).
   */
  private async checkSilentWaits(running: readonly Flight[]): Promise<void> {
    this.counters.checks++;
    const pids = running.map((flight) => flight.connection.pid);
    const ungranted = await this.monitor.ungranted(pids);
    const now = Date.now();
    const threshold = this.options.notices ? SILENT_WAIT_MS : this.options.deadlockTimeoutMs + 50;
    for (const flight of running) {
      const pid = flight.connection.pid;
      if (!ungranted.has(pid)) {
        this.silentWaits.delete(pid);
        continue;
      }
      const since = this.silentWaits.get(pid) ?? now;
      this.silentWaits.set(pid, since);
      if (now - since >= threshold && flight.woken === undefined) {
        flight.connection.lockWait = 'checked';
        flight.connection.lockNotices++;
        this.silentWaits.delete(pid);
      }
    }
  }

  /** Hands every settled answer to its caller, in the order the statements were sent. */
  private deliver(): void {
    const done: Flight[] = [];
    const kept: Flight[] = [];
    for (const flight of this.flights) {
      if (flight.owner.crashed) continue; // a crashed instance's calls never settle
      if (this.settled(flight)) done.push(flight);
      else kept.push(flight);
    }
    this.flights = kept;
    done.sort((a, b) => a.order - b.order);
    for (const flight of done) flight.deliver();
  }
}

/** A scheduler that sequences nothing: each statement is sent at once, as a real pool would. */
export class FreeScheduler {
  readonly counters = { sent: 0, polls: 0, piggybacked: 0, checks: 0, turns: 0, waitMs: 0, pollMs: 0, quiesceMs: 0 };
  private readonly waiting: Entry[] = [];
  private flights: Flight[] = [];
  private nextOrder = 0;

  submit(entry: Entry): void {
    if (entry.turns > 0) {
      const turns = entry.turns;
      entry.turns = 0;
      void (async () => {
        for (let turn = 0; turn < turns; turn++) await nextTurn();
        this.submit(entry);
      })();
      return;
    }
    if (!entry.ready()) {
      this.waiting.push(entry);
      return;
    }
    void this.send(entry);
  }

  barrier(work: () => Promise<void>): void {
    void work().catch(() => undefined);
  }

  /** An answer or a notice came: deliver what has answered. */
  changed(): void {
    const done = this.flights.filter((flight) => flight.answered || flight.owner.crashed);
    if (done.length === 0) return;
    this.flights = this.flights.filter((flight) => !done.includes(flight));
    for (const flight of done) if (!flight.owner.crashed) flight.deliver();
  }

  /** A connection was released: send what waited for one. */
  kick(): void {
    for (let index = 0; index < this.waiting.length;) {
      const entry = this.waiting[index]!;
      if (entry.owner.crashed) this.waiting.splice(index, 1);
      else if (entry.ready()) {
        this.waiting.splice(index, 1);
        void this.send(entry);
      } else index++;
    }
  }

  get busy(): boolean {
    return this.waiting.length > 0 || this.flights.length > 0;
  }

  private async send(entry: Entry): Promise<void> {
    const flight = await entry.start(this.nextOrder++, new Map());
    if (flight === undefined) return;
    this.counters.sent++;
    this.flights.push(flight);
    this.changed();
  }
}

export type Scheduler = Sequencer | FreeScheduler;
