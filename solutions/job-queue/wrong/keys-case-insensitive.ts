/**
 * Bug: the key column is declared COLLATE NOCASE, so 'OTP-1' and 'otp-1' are "the same" event:
 * the second is answered created: false and never sent.
 * Violates: keys-exact
 * Rejected by: keys-compared-exactly
 */
import { SCHEMA, SqliteJobQueue } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class CaseInsensitive extends SqliteJobQueue {
  protected override schema(): string {
    return SCHEMA.replace('key TEXT NOT NULL UNIQUE', 'key TEXT NOT NULL UNIQUE COLLATE NOCASE');
  }
}

export const createJobQueue = factoryFor(CaseInsensitive);
