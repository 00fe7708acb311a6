/**
 * Bug: stop() "drains" the buffer: buffered jobs keep starting after stop() was called, instead
 * of going back to the queue at once, so a deploy waits for (and may cut off) work it had no
 * business starting.
 * Violates: stop-releases-buffer
 * Rejected by: graceful-shutdown
 */
import { PollingWorker } from '../index.ts';
import { factoryWithWorker } from '../wrong-base.ts';

export * from '../index.ts';

class Drains extends PollingWorker {
  protected override fill(): void {
    while (this.running < this.settings.concurrency && this.buffer.length > 0) {
      const next = this.buffer.shift()!;
      if (this.queue.config.now() >= next.leaseExpiresAt.getTime()) continue;
      this.running++;
      void this.run(next);
    }
  }

  protected override async shutDown(graceMs: number): Promise<void> {
    const buffered = this.buffer.splice(0);
    this.stopping = true;
    this.buffer.push(...buffered);
    await this.pollInFlight;
    if (this.running === 0 && this.buffer.length === 0) return;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await Promise.race([idle, this.queue.config.sleep(graceMs)]);
  }
}

export const createJobQueue = factoryWithWorker(Drains);
