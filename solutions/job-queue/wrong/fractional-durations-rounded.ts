/**
 * Bug: duration options are rounded instead of checked: leaseMs 1.5 becomes 2, concurrency 2.5
 * becomes 3, so a typo in a config file changes behaviour instead of failing at startup.
 * Violates: bad-options
 * Rejected by: bad-options
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  createJobQueue as createReference,
  type JobHandler,
  type JobQueue,
  type JobQueueOptions,
  type WorkerOptions,
} from '../index.ts';

export * from '../index.ts';

function rounded<T extends object>(options: T | undefined): T | undefined {
  if (typeof options !== 'object' || options === null) return options;
  const copy: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const [name, value] of Object.entries(copy)) {
    if (typeof value === 'number' && Number.isFinite(value)) copy[name] = Math.round(value);
  }
  return copy as T;
}

export function createJobQueue(db: Database, options?: JobQueueOptions): JobQueue {
  const queue = createReference(db, rounded(options));
  const startWorker = queue.startWorker.bind(queue);
  queue.startWorker = (handler: JobHandler, workerOptions?: WorkerOptions) =>
    startWorker(handler, rounded(workerOptions));
  return queue;
}
