/**
 * Bug: the worker completes a job whatever its handler did ("it ran, didn't it?"): a send that
 * threw is marked completed and never retried.
 * Violates: worker-records-results
 * Rejected by: error-text-for-every-thrown-value, thousand-jobs-four-instances
 */
import { PollingWorker, type ClaimedJob } from '../index.ts';
import { factoryWithWorker } from '../wrong-base.ts';

export * from '../index.ts';

class AlwaysCompletes extends PollingWorker {
  protected override async record(job: ClaimedJob): Promise<void> {
    await super.record(job, undefined);
  }
}

export const createJobQueue = factoryWithWorker(AlwaysCompletes);
