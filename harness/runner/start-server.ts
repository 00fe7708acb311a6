/**
 * What a run's test file does first on PostgreSQL: start this process's server, before any test.
 * Its start-up (initdb and pg_ctl, about a second and more on a busy machine) is the kit's own; a
 * test that makes the run's first database would otherwise pay it inside its time limit, and a
 * correct candidate test could time out for it.
 */
import { probePostgres } from '../kit/db/postgres/server.ts';
import { ENGINE_ENV } from './sandbox/environment.ts';

/** On PostgreSQL, starts the server now. One that cannot start fails the first test that asks for a database, with the kit's reasons. */
export function startDatabaseServer(): void {
  if (process.env[ENGINE_ENV] === 'postgres') probePostgres();
}
