/**
 * A manual clock for specs about time: holds, leases, backoff, retention windows. Nothing sleeps
 * for real; a spec moves time forward and every sleeper whose deadline has come is woken in
 * deadline order.
 */

export interface ManualClockOptions {
  /** Start time in epoch milliseconds. Default: 2026-01-01T00:00:00Z. */
  readonly startMs?: number;
}

export interface ManualClock {
  /** Current time in epoch milliseconds. Pass it to implementations as their `now`. */
  now(): number;
  /** Resolves once the clock has been advanced `ms` past the moment of the call. Rejects on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Moves time forward by `ms`, waking sleepers in deadline order and letting each one's
   * continuation run before the next is woken.
   */
  advance(ms: number): Promise<void>;
  /** Advances to the earliest pending sleeper's deadline, if any. Returns false when none waits. */
  advanceToNext(): Promise<boolean>;
  /** How many sleeps are pending. */
  readonly pending: number;
  /** Every sleep duration requested so far, in order. */
  readonly sleeps: readonly number[];
}

export const DEFAULT_CLOCK_START_MS = Date.UTC(2026, 0, 1);

interface Sleeper {
  readonly wakeAt: number;
  readonly order: number;
  readonly wake: () => void;
}

export function createManualClock(options: ManualClockOptions = {}): ManualClock {
  const start = options.startMs ?? DEFAULT_CLOCK_START_MS;
  if (!Number.isFinite(start)) throw new TypeError(`startMs must be a finite number, received ${String(start)}`);
  let current = start;
  let order = 0;
  const sleepers: Sleeper[] = [];
  const sleeps: number[] = [];

  const settle = async (): Promise<void> => {
    // Several macrotask turns let promise chains started by a woken sleeper run to their next await.
    for (let turn = 0; turn < 3; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
  };

  const wakeDue = async (until: number): Promise<void> => {
    for (;;) {
      sleepers.sort((a, b) => a.wakeAt - b.wakeAt || a.order - b.order);
      const next = sleepers[0];
      if (next === undefined || next.wakeAt > until) break;
      sleepers.shift();
      current = Math.max(current, next.wakeAt);
      next.wake();
      await settle();
    }
    current = Math.max(current, until);
  };

  return {
    now: () => current,
    sleep(ms: number, signal?: AbortSignal) {
      if (typeof ms !== 'number' || !(ms >= 0)) {
        return Promise.reject(new TypeError(`sleep(ms): ms must be a non-negative number, received ${String(ms)}`));
      }
      sleeps.push(ms);
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<void>((resolve, reject) => {
        const sleeper: Sleeper = {
          wakeAt: current + ms,
          order: order++,
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = (): void => {
          const index = sleepers.indexOf(sleeper);
          if (index !== -1) sleepers.splice(index, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        sleepers.push(sleeper);
      });
    },
    async advance(ms: number) {
      if (typeof ms !== 'number' || !(ms >= 0)) {
        throw new TypeError(`advance(ms): ms must be a non-negative number, received ${String(ms)}`);
      }
      await settle();
      await wakeDue(current + ms);
    },
    async advanceToNext() {
      await settle();
      const next = sleepers.reduce<number | undefined>(
        (min, s) => (min === undefined ? s.wakeAt : Math.min(min, s.wakeAt)),
        undefined,
      );
      if (next === undefined) return false;
      await wakeDue(next);
      return true;
    },
    get pending() {
      return sleepers.length;
    },
    get sleeps() {
      return sleeps;
    },
  };
}
