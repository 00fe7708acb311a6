/**
 * Seeded interleavings. Before a statement runs, the kit yields to the event loop a random number
 * of turns drawn from a seeded generator, so concurrent callers reach the database in an order that
 * differs per seed and repeats for the same seed (everything else in one thread is deterministic).
 */
// Imported from node:timers, not the globals, so a spec's fake timers cannot stall the database.
import { setImmediate } from 'node:timers';
import { createRandom } from '../random.ts';

export { createRandom };

/** One macrotask turn: every promise chain that is ready runs before this resolves. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface Interleaver {
  /** Yields a seeded number of turns (possibly none, in which case it resolves at once). */
  pause(): Promise<void> | undefined;
  /** A seeded number in [0, 1), for jitter. */
  random(): number;
}

export function createInterleaver(seed: number, maxYields: number): Interleaver {
  const random = createRandom(seed);
  return {
    random,
    pause() {
      if (maxYields <= 0) return undefined;
      const turns = Math.floor(random() * (maxYields + 1));
      if (turns === 0) return undefined;
      return (async () => {
        for (let turn = 0; turn < turns; turn++) await nextTurn();
      })();
    },
  };
}
