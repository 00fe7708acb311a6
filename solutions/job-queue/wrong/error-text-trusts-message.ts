/**
 * Bug: lastError is `thrown?.message ?? String(thrown)`: any object with a message property
 * counts as an Error, so a thrown { message: 'not an Error' } is recorded by its message instead
 * of as '[object Object]'.
 * Violates: error-text
 * Rejected by: error-text-for-every-thrown-value
 */
import { SqliteJobQueue } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class TrustsMessage extends SqliteJobQueue {
  protected override errorText(thrown: unknown): string {
    const message = (thrown as { message?: unknown } | null | undefined)?.message;
    return typeof message === 'string' ? message : String(thrown);
  }
}

export const createJobQueue = factoryFor(TrustsMessage);
