/**
 * Bug: a second stop() (the orchestrator sends SIGTERM twice) resolves at once because "we are
 * already stopping", so the shutdown hook that awaited it exits the process while handlers of the
 * first stop() are still sending: their results are never recorded.
 * Violates: stop-waits-for-handlers
 * Rejected by: graceful-shutdown
 */
import { PollingWorker, type StopOptions } from '../index.ts';
import { factoryWithWorker } from '../wrong-base.ts';

export * from '../index.ts';

class AlreadyStopping extends PollingWorker {
  override stop(options?: StopOptions): Promise<void> {
    const first = !this.stopping;
    const result = super.stop(options);
    // A rejected result (bad options) still wins the race: only a valid second call is wrong.
    return first ? result : Promise.race([result, Promise.resolve()]);
  }
}

export const createJobQueue = factoryWithWorker(AlreadyStopping);
