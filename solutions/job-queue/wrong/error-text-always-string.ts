/**
 * Bug: lastError is String(error) for everything, so an Error is stored as "Error: SMTP 421"
 * (its name glued to the message) instead of its message.
 * Violates: error-text
 * Rejected by: error-text-for-every-thrown-value, backoff-schedule
 */
import { SqliteJobQueue } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class AlwaysString extends SqliteJobQueue {
  protected override errorText(thrown: unknown): string {
    return String(thrown);
  }
}

export const createJobQueue = factoryFor(AlwaysString);
