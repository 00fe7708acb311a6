/**
 * Bug: enqueue accepts the empty string as a key, so every event whose client forgot its id
 * collapses into one job.
 * Violates: bad-arguments
 * Rejected by: bad-arguments
 */
import { SqliteJobQueue, toJob, type EnqueueOptions, type EnqueueResult, type JobRow } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class EmptyKey extends SqliteJobQueue {
  override async enqueue(key: string, payload: string, options?: EnqueueOptions): Promise<EnqueueResult> {
    if (key !== '') return super.enqueue(key, payload, options);
    this.enqueueArguments('-', payload, options);
    return this.write(async (tx, now) => {
      const inserted = await tx.run(
        `INSERT INTO jobs (key, payload, priority, status, attempts, created_at, run_at)
         VALUES ('', ?, 0, 'pending', 0, ?, ?) ON CONFLICT (key) DO NOTHING`,
        payload,
        now,
        now,
      );
      const row = await tx.get<JobRow>("SELECT * FROM jobs WHERE key = ''");
      return { job: toJob(row!), created: inserted.changes === 1 };
    });
  }
}

export const createJobQueue = factoryFor(EmptyKey);
