/**
 * Bug: every poll claims bufferSize + concurrency jobs, however many the worker already holds:
 * with slow handlers the in-memory buffer grows by a batch per poll, far past its size, and all
 * of those jobs sit claimed (and their leases run out) in one process.
 * Violates: backpressure
 * Rejected by: slow-handlers-backpressure
 */
import { PollingWorker } from '../index.ts';
import { factoryWithWorker } from '../wrong-base.ts';

export * from '../index.ts';

class Unbounded extends PollingWorker {
  protected override room(): number {
    return this.settings.bufferSize + this.settings.concurrency;
  }
}

export const createJobQueue = factoryWithWorker(Unbounded);
