/**
 * The short version of flake.ts for `npm test`: the reference passes every quick race check, and
 * every racy wrong/ file fails every quick race check it names, on 3 different seeds each (a check
 * that never reads its seed runs the same way every time, so it runs once). `npm run
 * flake:seat-reservation` runs the long version (30 seeds, every race check, variants included).
 */
import { describe, expect, test } from 'vitest';
import { flakeTargets, measureFlakiness } from './flake.ts';

const RUNS = 3;

describe('seat-reservation: never flaky', () => {
  for (const target of flakeTargets({ variants: false, scope: 'quick-races' })) {
    test(
      `${target.label} ${target.expect === 'pass' ? 'passes' : 'fails'} on ${RUNS} seeds`,
      { timeout: 120_000 },
      async () => {
        const rows = await measureFlakiness([target], RUNS, { repeatUnseeded: false });
        const unexpected = rows
          .filter((row) => row.unexpectedSeeds.length > 0)
          .map(
            (row) =>
              `${row.check}: seeds ${row.unexpectedSeeds.join(', ')}${row.firstFailure ? ` (${row.firstFailure})` : ''}`,
          );
        expect(unexpected, `${target.label}: results against expectation`).toEqual([]);
      },
    );
  }
});
