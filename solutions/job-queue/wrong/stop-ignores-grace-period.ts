/**
 * Bug: stop() waits for the running handlers however long they take, ignoring graceMs: one hung
 * SMTP connection holds up the deploy until the orchestrator kills the process anyway.
 * Violates: stop-waits-for-handlers
 * Rejected by: graceful-shutdown, defaults
 */
import { PollingWorker } from '../index.ts';
import { factoryWithWorker } from '../wrong-base.ts';

export * from '../index.ts';

class Unbounded extends PollingWorker {
  protected override async shutDown(): Promise<void> {
    this.stopping = true;
    await Promise.all([this.releaseAll(this.buffer.splice(0)), this.pollInFlight]);
    if (this.running === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}

export const createJobQueue = factoryWithWorker(Unbounded);
