/**
 * Bug: init() "resets" the schema, dropping the tables before creating them: the second instance
 * to start (or a restart) wipes every job the first one stored.
 * Violates: init-idempotent
 * Rejected by: init-again, queue-matches-model
 */
import { SqliteJobQueue } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class DropsTables extends SqliteJobQueue {
  override async init(): Promise<void> {
    await this.db.exec('DROP TABLE IF EXISTS dead_letters; DROP TABLE IF EXISTS jobs;');
    await super.init();
  }
}

export const createJobQueue = factoryFor(DropsTables);
