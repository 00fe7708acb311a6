/**
 * For the project's own PostgreSQL tests: run them when a server can be started (or KATA_PG_URL
 * names one), and say exactly why not otherwise. A skip is allowed only where no server can be
 * had; in CI (CI=true) or with KATA_REQUIRE_POSTGRES=1, an unavailable server fails instead, so CI
 * cannot pass without proving the PostgreSQL engine.
 */
import { describe, test } from 'vitest';
import { probePostgres } from './server.ts';

export function describePostgres(name: string, body: () => void): void {
  const probe = probePostgres();
  if (probe.ok) {
    describe(`${name} (${probe.server.description})`, body);
    return;
  }
  const required = process.env['CI'] === 'true' || process.env['KATA_REQUIRE_POSTGRES'] === '1';
  console.warn(`\n${name}: ${required ? 'FAILING' : 'SKIPPED'}, no PostgreSQL server.\n${probe.reason}\n`);
  describe(name, () => {
    if (required) {
      test('a PostgreSQL server can be started (required: CI=true or KATA_REQUIRE_POSTGRES=1)', () => {
        throw new Error(probe.reason);
      });
    } else {
      test.skip(`SKIPPED, no PostgreSQL server: ${probe.reason.replace(/\s+/g, ' ')}`, () => undefined);
    }
  });
}
