/**
 * Bug: jobs claimed by a poll that was in flight when stop() was called go into the buffer and
 * stay there: nothing runs them and nothing releases them, so they sit claimed by a stopped
 * worker until their leases run out.
 * Violates: stop-claims-nothing
 * Rejected by: graceful-shutdown
 */
import { PollingWorker, type ClaimedJob } from '../index.ts';
import { factoryWithWorker } from '../wrong-base.ts';

export * from '../index.ts';

class KeepsInFlight extends PollingWorker {
  protected override async poll(): Promise<number> {
    const room = this.room();
    if (room <= 0) return 0;
    let claimed: ClaimedJob[];
    try {
      claimed = await this.queue.claim(this.workerId, room);
    } catch {
      return 0;
    }
    this.buffer.push(...claimed);
    this.fill();
    return claimed.length;
  }
}

export const createJobQueue = factoryWithWorker(KeepsInFlight);
