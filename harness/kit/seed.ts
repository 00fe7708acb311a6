/**
 * Seeds for randomised checks. A check's default seed is derived from its kata and id, so a run
 * is reproducible with no flags; KATA_SEED overrides it to explore other seeds or replay one.
 */

export const SEED_ENV = 'KATA_SEED';

/** FNV-1a over the text: stable across runs, platforms and Node versions. */
export function seedFrom(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  // fast-check takes a 32-bit signed integer.
  return hash | 0;
}

export function parseSeed(raw: string, source: string): number {
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 31) {
    throw new TypeError(`${source} must be a 32-bit integer, received ${JSON.stringify(raw)}`);
  }
  return seed;
}

/** The seed a check runs with: KATA_SEED when set, else one derived from the check's identity. */
export function seedForCheck(slug: string, checkId: string): number {
  const override = process.env[SEED_ENV];
  if (override !== undefined && override !== '') return parseSeed(override, SEED_ENV);
  return seedFrom(`${slug}:${checkId}`);
}
