/**
 * The shared memory the workers of one run synchronise on: a start barrier, a first-statement
 * rendezvous and an abort flag, as Int32 cells of a SharedArrayBuffer used with Atomics.
 */

export const READY = 0;
export const ARRIVED = 1;
export const ABORTED = 2;
/** Never changes: a worker about to be terminated waits on it so nothing more of it runs. */
export const DOOMED = 3;
const CELLS = 4;

export function createControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT);
}

export function abortAll(buffer: SharedArrayBuffer): void {
  const cells = new Int32Array(buffer);
  Atomics.store(cells, ABORTED, 1);
  Atomics.notify(cells, READY);
  Atomics.notify(cells, ARRIVED);
}

/**
 * A logical clock shared by the main thread and every worker: each reading is one more than any
 * before it, anywhere, so call histories recorded in different threads order correctly.
 */
export interface SharedClock {
  readonly buffer: SharedArrayBuffer;
  tick(): number;
}

export function createSharedClock(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)): SharedClock {
  const cells = new Int32Array(buffer);
  return { buffer, tick: () => Atomics.add(cells, 0, 1) + 1 };
}

/** Counts this worker in at `cell` without waiting (a worker that will never get there itself). */
export function arrive(buffer: SharedArrayBuffer, cell: typeof READY | typeof ARRIVED): void {
  const cells = new Int32Array(buffer);
  Atomics.add(cells, cell, 1);
  Atomics.notify(cells, cell);
}

/** Blocks this thread until it is terminated: the moment of a crash, frozen. */
export function freezeUntilTerminated(buffer: SharedArrayBuffer): never {
  const cells = new Int32Array(buffer);
  for (;;) Atomics.wait(cells, DOOMED, 0);
}

export type WaitOutcome = 'all-arrived' | 'timed-out' | 'aborted';

/**
 * Counts this worker in at `cell` and blocks the thread until `expected` workers have arrived, the
 * run is aborted, or `timeoutMs` passes. Blocking is the point: nothing else of this instance may
 * run meanwhile, exactly like a paused process.
 */
export function arriveAndWait(
  buffer: SharedArrayBuffer,
  cell: typeof READY | typeof ARRIVED,
  expected: number,
  timeoutMs: number,
): WaitOutcome {
  const cells = new Int32Array(buffer);
  Atomics.add(cells, cell, 1);
  Atomics.notify(cells, cell);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (Atomics.load(cells, ABORTED) !== 0) return 'aborted';
    const arrived = Atomics.load(cells, cell);
    if (arrived >= expected) return 'all-arrived';
    const remaining = deadline - Date.now();
    if (remaining <= 0) return 'timed-out';
    Atomics.wait(cells, cell, arrived, remaining);
  }
}
