import type { Database } from '../../harness/kit/db/index.ts';
import { NotImplementedError } from '../../harness/kit/index.ts';

export type JobStatus = 'pending' | 'running' | 'completed' | 'dead';

/** A job as the queue reports it, as of now(). */
export interface Job {
  /** The idempotency key it was enqueued with. */
  readonly key: string;
  /** Exactly as enqueued. */
  readonly payload: string;
  readonly priority: number;
  readonly status: JobStatus;
  /** Claims so far: + 1 per claim, - 1 per release, 0 again after a replay. */
  readonly attempts: number;
  /** When enqueue stored it. */
  readonly createdAt: Date;
  /** When it is due (pending), or was last due. */
  readonly runAt: Date;
  /** The last failure's text, or null. */
  readonly lastError: string | null;
  /** Running only: the worker that holds it. */
  readonly claimedBy: string | null;
  /** Running only: when its claim ends. */
  readonly leaseExpiresAt: Date | null;
  /** Completed or dead only: when. */
  readonly finishedAt: Date | null;
}

/** One job taken by a claim: what a handler receives, and what complete, fail and release take. */
export interface ClaimedJob {
  readonly key: string;
  readonly payload: string;
  readonly priority: number;
  /** The job's attempts, this claim included. */
  readonly attempt: number;
  readonly workerId: string;
  /** now() at the claim. */
  readonly claimedAt: Date;
  /** claimedAt + leaseMs: the claim is live while now() is before it. */
  readonly leaseExpiresAt: Date;
  /** The fencing token: never issued twice for one job. */
  readonly token: string;
}

/** What complete, fail and release need of a claim. */
export interface ClaimRef {
  readonly key: string;
  readonly token: string;
}

export interface DeadLetter {
  readonly key: string;
  readonly payload: string;
  readonly priority: number;
  readonly attempts: number;
  readonly lastError: string;
  readonly createdAt: Date;
  readonly deadLetteredAt: Date;
}

export interface QueueStats {
  readonly pending: number;
  readonly running: number;
  readonly completed: number;
  readonly dead: number;
}

export interface EnqueueOptions {
  /** Higher runs first: any safe integer. Default 0. */
  readonly priority?: number;
  /** Due this long after now(): an integer from 0 to 2147483647. Default 0. */
  readonly delayMs?: number;
}

export interface EnqueueResult {
  readonly job: Job;
  /** True when this call stored the job; false when the key already existed. */
  readonly created: boolean;
}

export interface JobQueueOptions {
  /** The clock, in epoch milliseconds. Default: Date.now. */
  readonly now?: () => number;
  /** How the worker waits. Default: a setTimeout timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** How long a claim lasts: an integer from 1 to 2147483647. Default 300000. */
  readonly leaseMs?: number;
  /** Claims of a job before it is dead-lettered: an integer from 1 to 2147483647. Default 5. */
  readonly maxAttempts?: number;
  /** The first retry delay: an integer from 0 to 2147483647. Default 2000. */
  readonly backoffBaseMs?: number;
  /** The longest retry delay: an integer from backoffBaseMs to 2147483647. Default 3600000. */
  readonly backoffCapMs?: number;
  /** 'none' or 'full'. Default 'none'. */
  readonly jitter?: 'none' | 'full';
  /** A number in [0, 1), for jitter. Default: Math.random. */
  readonly random?: () => number;
}

export interface WorkerOptions {
  /** Recorded as claimedBy: a non-empty string. Default: a generated id. */
  readonly workerId?: string;
  /** Handlers running at once: an integer from 1 to 1000. Default 20. */
  readonly concurrency?: number;
  /** Claimed jobs waiting for a free handler: an integer from 0 to 10000. Default 50. */
  readonly bufferSize?: number;
  /** Time between two polls: an integer from 1 to 2147483647. Default 2000. */
  readonly pollIntervalMs?: number;
}

export interface StopOptions {
  /** How long to wait for running handlers: an integer from 0 to 2147483647. Default 30000. */
  readonly graceMs?: number;
}

/** Sends the e-mail (or whatever the job is). Returning or resolving completes the job; throwing or rejecting fails it. */
export type JobHandler = (job: ClaimedJob) => unknown;

export interface QueueWorker {
  readonly workerId: string;
  /**
   * Stops claiming, releases the buffered jobs at once, and resolves once the running handlers'
   * results are recorded or graceMs has passed.
   */
  stop(options?: StopOptions): Promise<void>;
}

export interface JobQueue {
  /** Creates the tables if they do not exist yet. Every app instance calls it at startup. */
  init(): Promise<void>;
  /** Stores a job once per key (POST /events answers 202 once this resolves). */
  enqueue(key: string, payload: string, options?: EnqueueOptions): Promise<EnqueueResult>;
  getJob(key: string): Promise<Job | undefined>;
  stats(): Promise<QueueStats>;
  /** Takes up to limit (default 1) due jobs, by priority, then due time, then enqueue order. */
  claim(workerId: string, limit?: number): Promise<ClaimedJob[]>;
  /** true if this live claim completed its job; false (and no change) otherwise. */
  complete(claim: ClaimRef): Promise<boolean>;
  /** true if this live claim failed its job (retry later, or dead letter); false (and no change) otherwise. */
  fail(claim: ClaimRef, error: unknown): Promise<boolean>;
  /** true if this live claim gave its job back untouched; false (and no change) otherwise. */
  release(claim: ClaimRef): Promise<boolean>;
  /** Every dead job, earliest first. */
  listDeadLetters(): Promise<DeadLetter[]>;
  /** Makes a dead job pending again, due now, attempts 0. */
  replayDeadLetter(key: string): Promise<Job>;
  /** Starts polling at once; see README.md. */
  startWorker(handler: JobHandler, options?: WorkerOptions): QueueWorker;
}

/** replayDeadLetter was given a key that was never enqueued. */
export class JobNotFoundError extends Error {
  readonly code = 'JOB_NOT_FOUND';

  constructor(readonly key: string) {
    super(`there is no job with key ${JSON.stringify(key)}`);
    this.name = 'JobNotFoundError';
  }
}

/** replayDeadLetter was given a job that is not dead. */
export class JobNotDeadError extends Error {
  readonly code = 'JOB_NOT_DEAD';

  constructor(
    readonly key: string,
    readonly status: JobStatus,
  ) {
    super(`job ${JSON.stringify(key)} is ${status}, not dead: only dead letters can be replayed`);
    this.name = 'JobNotDeadError';
  }
}

/**
 * Creates the queue over the kit's database handle. Throws a TypeError or RangeError naming the
 * option when `db` or an option is not usable. See README.md for the rules.
 */
export function createJobQueue(db: Database, options?: JobQueueOptions): JobQueue {
  throw new NotImplementedError('createJobQueue');
}
