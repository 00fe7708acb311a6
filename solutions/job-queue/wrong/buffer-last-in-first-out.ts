/**
 * Bug: a free handler takes the most recently claimed job from the buffer (a stack, not a queue):
 * under load the oldest claimed jobs wait longest, past their leases.
 * Violates: worker-runs-handlers
 * Rejected by: slow-handlers-backpressure
 */
import { PollingWorker } from '../index.ts';
import { factoryWithWorker } from '../wrong-base.ts';

export * from '../index.ts';

class Stack extends PollingWorker {
  protected override fill(): void {
    while (!this.stopping && this.running < this.settings.concurrency && this.buffer.length > 0) {
      const next = this.buffer.pop()!;
      if (this.queue.config.now() >= next.leaseExpiresAt.getTime()) continue;
      this.running++;
      void this.run(next);
    }
  }
}

export const createJobQueue = factoryWithWorker(Stack);
