/**
 * Bug: the worker sleeps before its first poll, so every deploy starts with pollIntervalMs of
 * idle workers while jobs wait.
 * Violates: worker-polls
 * Rejected by: slow-handlers-backpressure
 */
import { PollingWorker } from '../index.ts';
import { factoryWithWorker } from '../wrong-base.ts';

export * from '../index.ts';

class Sleepy extends PollingWorker {
  protected override async loop(): Promise<void> {
    while (!this.stopping) {
      await this.queue.config.sleep(this.settings.pollIntervalMs);
      if (this.stopping) return;
      this.pollInFlight = this.poll();
      await this.pollInFlight;
      this.pollInFlight = undefined;
    }
  }
}

export const createJobQueue = factoryWithWorker(Sleepy);
