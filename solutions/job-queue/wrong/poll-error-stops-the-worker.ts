/**
 * Bug: a poll whose claim rejects (the database is briefly unavailable) ends the poll loop: the
 * process looks healthy and never sends another notification.
 * Violates: worker-survives-errors
 * Rejected by: worker-survives-database-errors
 */
import { PollingWorker, type ClaimedJob } from '../index.ts';
import { factoryWithWorker } from '../wrong-base.ts';

export * from '../index.ts';

class Brittle extends PollingWorker {
  protected override async poll(): Promise<number> {
    const room = this.room();
    if (room <= 0) return 0;
    const claimed: ClaimedJob[] = await this.queue.claim(this.workerId, room);
    if (this.stopping) {
      await this.releaseAll(claimed);
      return claimed.length;
    }
    this.buffer.push(...claimed);
    this.fill();
    return claimed.length;
  }

  protected override async loop(): Promise<void> {
    try {
      await super.loop();
    } catch {
      // the loop is over
    }
  }
}

export const createJobQueue = factoryWithWorker(Brittle);
