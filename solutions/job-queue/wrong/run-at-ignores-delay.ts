/**
 * Bug: enqueue validates delayMs and then ignores it: a "send in 10 minutes" job is due at once.
 * Violates: enqueue-creates
 * Rejected by: priority-and-fifo
 */
import { SqliteJobQueue, type EnqueueOptions, type EnqueueResult } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class IgnoresDelay extends SqliteJobQueue {
  override async enqueue(key: string, payload: string, options?: EnqueueOptions): Promise<EnqueueResult> {
    this.enqueueArguments(key, payload, options);
    return super.enqueue(key, payload, options === undefined ? undefined : { ...options, delayMs: 0 });
  }
}

export const createJobQueue = factoryFor(IgnoresDelay);
