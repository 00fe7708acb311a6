/**
 * Bug: a replay puts the job back to pending but keeps its attempt count, so its first failure
 * after the replay dead-letters it again at once: the operator's replay buys one try, not
 * maxAttempts.
 * Violates: replay
 * Rejected by: leases-and-fencing
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

class KeepsAttempts extends SqliteJobQueue {
  override async replayDeadLetter(key: string): Promise<Job> {
    nonEmptyString('key', key);
    return this.write(async (tx, now) => {
      const row = await tx.get<JobRow>('SELECT * FROM jobs WHERE key = ?', key);
      if (row === undefined) throw new JobNotFoundError(key);
      if (row.status !== 'dead') throw new JobNotDeadError(key, row.status);
      await tx.run('DELETE FROM dead_letters WHERE seq = ?', row.seq);
      await tx.run(
        `UPDATE jobs SET status = 'pending', run_at = ?, last_error = NULL, finished_at = NULL WHERE seq = ?`,
        now,
        row.seq,
      );
      return toJob((await tx.get<JobRow>('SELECT * FROM jobs WHERE seq = ?', row.seq))!);
    });
  }
}

export const createJobQueue = factoryFor(KeepsAttempts);
