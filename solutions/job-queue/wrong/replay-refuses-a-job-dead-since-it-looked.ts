/**
 * Bug: a replay tries in one transaction and, when the job was not dead there, explains the
 * refusal from a second read in another. A fail on the job's last attempt that lands between the
 * two makes it refuse a dead job as not dead: JobNotDeadError with status "dead". (The same two
 * snapshots on PostgreSQL: a conditional UPDATE, then a separate SELECT for the error.)
 * Violates: replay
 * Rejected by: replay-beside-the-last-fail
 */
import {
  SqliteJobQueue,
  JobNotDeadError,
  JobNotFoundError,
  nonEmptyString,
  toJob,
  type Job,
  type JobRow,
} from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class ExplainsFromASecondRead extends SqliteJobQueue {
  override async replayDeadLetter(key: string): Promise<Job> {
    nonEmptyString('key', key);
    const replayed = await this.write(async (tx, now) => {
      const row = await tx.get<JobRow>('SELECT * FROM jobs WHERE key = ?', key);
      if (row === undefined || row.status !== 'dead') return undefined;
      await tx.run('DELETE FROM dead_letters WHERE seq = ?', row.seq);
      await tx.run(
        `UPDATE jobs SET status = 'pending', run_at = ?, attempts = 0, last_error = NULL, finished_at = NULL
         WHERE seq = ?`,
        now,
        row.seq,
      );
      return toJob((await tx.get<JobRow>('SELECT * FROM jobs WHERE seq = ?', row.seq))!);
    });
    if (replayed !== undefined) return replayed;
    const job = await this.getJob(key);
    if (job === undefined) throw new JobNotFoundError(key);
    throw new JobNotDeadError(key, job.status);
  }
}

export const createJobQueue = factoryFor(ExplainsFromASecondRead);
