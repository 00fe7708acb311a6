/**
 * Bug: stop() releases the buffer and resolves at once, without waiting for the running
 * handlers: the process exits in the middle of sends whose results are never recorded.
 * Violates: stop-waits-for-handlers
 * Rejected by: graceful-shutdown, worker-matches-model
 */
import { PollingWorker } from '../index.ts';
import { factoryWithWorker } from '../wrong-base.ts';

export * from '../index.ts';

class Impatient extends PollingWorker {
  protected override async shutDown(): Promise<void> {
    this.stopping = true;
    await Promise.all([this.releaseAll(this.buffer.splice(0)), this.pollInFlight]);
  }
}

export const createJobQueue = factoryWithWorker(Impatient);
