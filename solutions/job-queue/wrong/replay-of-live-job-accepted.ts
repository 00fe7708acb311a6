/**
 * Bug: replaying a job that is not dead answers the job instead of JobNotDeadError, so an
 * operator's script that replays "everything that failed" cannot tell a replay from a no-op.
 * Violates: replay-errors
 * Rejected by: dead-letters-across-instances
 */
import { SqliteJobQueue, JobNotDeadError, type Job } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class SilentReplay extends SqliteJobQueue {
  override async replayDeadLetter(key: string): Promise<Job> {
    try {
      return await super.replayDeadLetter(key);
    } catch (error) {
      if (error instanceof JobNotDeadError) return (await this.getJob(key))!;
      throw error;
    }
  }
}

export const createJobQueue = factoryFor(SilentReplay);
