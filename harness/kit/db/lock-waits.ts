/**
 * Waiting for SQLite's write lock without blocking the event loop.
 *
 * Connections run with busy_timeout 0, so SQLITE_BUSY comes back at once and the caller waits here
 * instead. Within one thread the kit knows every transaction on the file, so a waiter is woken when
 * one of them ends, one waiter per ending: no polling, no thundering herd, and the order depends
 * only on the seeded interleaving. A lock held by another thread or process (worker threads on the
 * same file) ends no transaction here, so when nothing in this thread can wake the waiters, the
 * queue polls with a short backoff instead.
 */
// node:timers, not the globals, so a spec's fake timers cannot stall the database.
import { clearTimeout, setTimeout } from 'node:timers';

const FIRST_POLL_MS = 1;
const LONGEST_POLL_MS = 16;

export interface Waiter {
  /** Resolves when it is this waiter's turn to try again. */
  readonly turn: Promise<void>;
}

interface QueuedWaiter extends Waiter {
  woken: boolean;
  settled: boolean;
  wake(): void;
}

export class LockWaitQueue {
  private readonly waiters: QueuedWaiter[] = [];
  /** Open transactions on this file in this thread: each will end and wake a waiter. */
  private active = 0;
  /** Woken waiters that have not yet entered a transaction, queued again or finished. */
  private woken = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pollMs = FIRST_POLL_MS;

  /** Queues a waiter. Call it synchronously after SQLITE_BUSY, before any await, or a wake-up is lost. */
  enqueue(): Waiter {
    let wake!: () => void;
    const turn = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const waiter: QueuedWaiter = { turn, woken: false, settled: false, wake };
    this.waiters.push(waiter);
    this.armPoll();
    return waiter;
  }

  /** The waiter's retry has run (it entered a transaction, queued again, or finished). */
  settle(waiter: Waiter): void {
    const queued = waiter as QueuedWaiter;
    if (queued.settled) return;
    queued.settled = true;
    if (queued.woken) this.woken--;
    this.armPoll();
  }

  /** A transaction opened on this file in this thread. */
  enter(): void {
    this.active++;
  }

  /**
   * A transaction ended. One that committed or rolled back on its own terms passes the turn to the
   * next waiter; one that ended because it hit SQLITE_BUSY does not, since the lock is still taken.
   */
  leave(passTurn: boolean): void {
    this.active--;
    if (passTurn) this.passTurn();
    else this.armPoll();
  }

  /** Wakes the next waiter: the lock may be free now. */
  passTurn(): void {
    this.pollMs = FIRST_POLL_MS;
    this.wakeNext();
    this.armPoll();
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    // Waiters left behind retry, find the database closed, and reject.
    for (const waiter of this.waiters.splice(0)) waiter.wake();
  }

  private wakeNext(): void {
    const next = this.waiters.shift();
    if (next === undefined) return;
    next.woken = true;
    this.woken++;
    next.wake();
  }

  private armPoll(): void {
    if (this.timer !== undefined || this.waiters.length === 0 || this.active > 0 || this.woken > 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pollMs = Math.min(this.pollMs * 2, LONGEST_POLL_MS);
      this.wakeNext();
      this.armPoll();
    }, this.pollMs);
  }
}

const queues = new Map<string, { queue: LockWaitQueue; users: number }>();

/** The queue shared by every handle on `file` in this thread. Release it when the handle closes. */
export function acquireWaitQueue(file: string): LockWaitQueue {
  let entry = queues.get(file);
  if (entry === undefined) {
    entry = { queue: new LockWaitQueue(), users: 0 };
    queues.set(file, entry);
  }
  entry.users++;
  return entry.queue;
}

export function releaseWaitQueue(file: string): void {
  const entry = queues.get(file);
  if (entry === undefined) return;
  entry.users--;
  if (entry.users > 0) return;
  entry.queue.dispose();
  queues.delete(file);
}
