/**
 * Bug: a handler that frees up takes the next buffered job without looking at its lease: a job
 * that waited in the buffer past its lease (and that another instance may already be running) is
 * sent a second time.
 * Violates: worker-lease-check
 * Rejected by: buffered-job-past-its-lease
 */
import { PollingWorker } from '../index.ts';
import { factoryWithWorker } from '../wrong-base.ts';

export * from '../index.ts';

class NoLeaseCheck extends PollingWorker {
  protected override fill(): void {
    while (!this.stopping && this.running < this.settings.concurrency && this.buffer.length > 0) {
      const next = this.buffer.shift()!;
      this.running++;
      void this.run(next);
    }
  }
}

export const createJobQueue = factoryWithWorker(NoLeaseCheck);
