/**
 * Bug: the default lease is one minute, not the README's five: with the defaults, a handler that
 * takes two minutes has its job taken over by another instance halfway through.
 * Violates: defaults
 * Rejected by: defaults
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { createJobQueue as createReference, type JobQueue, type JobQueueOptions } from '../index.ts';

export * from '../index.ts';

export function createJobQueue(db: Database, options?: JobQueueOptions): JobQueue {
  if (options === undefined || (typeof options === 'object' && options !== null && options.leaseMs === undefined)) {
    return createReference(db, { ...options, leaseMs: 60_000 });
  }
  return createReference(db, options);
}
