/**
 * Bug: enqueue answers first and writes a moment later ("the 202 is faster this way"). Every
 * answer is right, but a crash between the answer and the write loses a job the client was told
 * was accepted.
 * Violates: enqueue-durable
 * Rejected by: enqueue-durable-before-202
 */
import { setImmediate } from 'node:timers';
import { SqliteJobQueue, type EnqueueOptions, type EnqueueResult } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class WriteBehind extends SqliteJobQueue {
  override async enqueue(key: string, payload: string, options?: EnqueueOptions): Promise<EnqueueResult> {
    const { priority, delayMs } = this.enqueueArguments(key, payload, options);
    const existing = await this.getJob(key);
    if (existing !== undefined) return super.enqueue(key, payload, options);
    const now = this.config.now();
    setImmediate(() => void super.enqueue(key, payload, options).catch(() => undefined));
    return {
      created: true,
      job: {
        key,
        payload,
        priority,
        status: 'pending',
        attempts: 0,
        createdAt: new Date(now),
        runAt: new Date(now + delayMs),
        lastError: null,
        claimedBy: null,
        leaseExpiresAt: null,
        finishedAt: null,
      },
    };
  }
}

export const createJobQueue = factoryFor(WriteBehind);
