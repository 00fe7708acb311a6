/**
 * Seeded randomness for specs and the kit: the same seed gives the same numbers on every machine
 * and Node version, so a failure replays from its seed.
 */

/** mulberry32: small, fast and good enough for picking interleavings and cases. Numbers in [0, 1). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
