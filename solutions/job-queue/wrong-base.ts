/**
 * What the wrong/ files build on: the reference with one class swapped for a subclass that holds
 * the bug, so each wrong file shows its bug and nothing else. Not a candidate file.
 */
import type { Database } from '../../harness/kit/db/index.ts';
import {
  createJobQueue as createReference,
  PollingWorker,
  SqliteJobQueue,
  type Config,
  type JobHandler,
  type JobQueue,
  type JobQueueOptions,
  type QueueWorker,
  type WorkerSettings,
} from './index.ts';

type QueueClass = new (db: Database, config: Config) => SqliteJobQueue;
type WorkerClass = new (queue: SqliteJobQueue, handler: JobHandler, settings: WorkerSettings) => PollingWorker;

/** createJobQueue with the reference's validation, building `Queue` instead of the reference's class. */
export function factoryFor(Queue: QueueClass): (db: Database, options?: JobQueueOptions) => JobQueue {
  return (db, options) => {
    const reference = createReference(db, options) as SqliteJobQueue;
    return new Queue(db, reference.config);
  };
}

/** createJobQueue whose workers are `Worker`. */
export function factoryWithWorker(Worker: WorkerClass): (db: Database, options?: JobQueueOptions) => JobQueue {
  class WithWorker extends SqliteJobQueue {
    protected override createWorker(handler: JobHandler, settings: WorkerSettings): QueueWorker {
      return new Worker(this, handler, settings);
    }
  }
  return factoryFor(WithWorker);
}
