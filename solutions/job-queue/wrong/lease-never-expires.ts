/**
 * Bug: nothing ever looks at lease_expires_at: a job whose worker crashed stays "running" for
 * ever, and the notification is never sent. The deep dive's "stuck in PROCESSING" bug.
 * Violates: lease-expiry
 * Rejected by: leases-and-fencing, crashed-instance-jobs-reclaimed
 */
import { SqliteJobQueue } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class NeverExpires extends SqliteJobQueue {
  protected override async expireLeases(): Promise<void> {}
}

export const createJobQueue = factoryFor(NeverExpires);
