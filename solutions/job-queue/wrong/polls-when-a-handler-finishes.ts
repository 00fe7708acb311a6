/**
 * Bug: a handler that finishes triggers a poll at once ("a slot is free, go and fetch"): the
 * worker claims between polls, so the poll interval no longer paces the database, and with fast
 * handlers every instance hammers it with claims.
 * Violates: worker-polls
 * Rejected by: slow-handlers-backpressure, worker-matches-model
 */
import { PollingWorker, type ClaimedJob } from '../index.ts';
import { factoryWithWorker } from '../wrong-base.ts';

export * from '../index.ts';

class PollsOnFinish extends PollingWorker {
  protected override async run(job: ClaimedJob): Promise<void> {
    await super.run(job);
    if (!this.stopping && this.pollInFlight === undefined) await this.poll();
  }
}

export const createJobQueue = factoryWithWorker(PollsOnFinish);
