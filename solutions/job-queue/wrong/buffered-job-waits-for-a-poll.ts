/**
 * Bug: a handler that finishes does not start the next buffered job; buffered jobs start only
 * when the next poll comes round, so a worker with a full buffer idles for up to pollIntervalMs
 * after every job.
 * Violates: worker-runs-handlers
 * Rejected by: slow-handlers-backpressure
 */
import { PollingWorker, type ClaimedJob } from '../index.ts';
import { factoryWithWorker } from '../wrong-base.ts';

export * from '../index.ts';

class WaitsForPoll extends PollingWorker {
  protected override async run(job: ClaimedJob): Promise<void> {
    let failure: { error: unknown } | undefined;
    try {
      await this.handler(job);
    } catch (error) {
      failure = { error };
    }
    await this.record(job, failure);
    this.running--;
    if (this.running === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  protected override async poll(): Promise<number> {
    this.fill();
    return super.poll();
  }
}

export const createJobQueue = factoryWithWorker(WaitsForPoll);
