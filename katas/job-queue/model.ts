/**
 * The README as plain sequential code: one in-memory queue, no database, no concurrency. It is the
 * spec's definition of the right answer, so it favours obviousness over speed. Every operation
 * takes the current time; a running job whose lease has ended is settled first (pending again, or
 * dead on its last attempt), exactly as the README says it is "from the lease's end on".
 *
 * Tokens here are the model's own (`m1`, `m2`, ...): the implementation chooses its tokens, and the
 * spec maps each one it sees to the model's token of the same claim.
 */

export const LEASE_EXPIRED = 'lease expired';
export const MAX_DURATION_MS = 2_147_483_647;

export type ModelStatus = 'pending' | 'running' | 'completed' | 'dead';

export interface QueueModelOptions {
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  readonly jitter: 'none' | 'full';
  /** What the spec's random() returns, every time it is called. */
  readonly random: number;
}

interface JobRecord {
  key: string;
  payload: string;
  priority: number;
  /** Enqueue order. */
  seq: number;
  status: ModelStatus;
  attempts: number;
  createdAt: number;
  runAt: number;
  lastError: string | null;
  claimedBy: string | null;
  leaseExpiresAt: number | null;
  finishedAt: number | null;
  /** The model token of the current claim, while running. */
  token: string | null;
}

export interface QueueState {
  readonly jobs: Record<string, JobRecord>;
  nextSeq: number;
  nextToken: number;
}

/** A job as getJob shows it: Dates as Dates. */
export interface JobView {
  readonly key: string;
  readonly payload: string;
  readonly priority: number;
  readonly status: ModelStatus;
  readonly attempts: number;
  readonly createdAt: Date;
  readonly runAt: Date;
  readonly lastError: string | null;
  readonly claimedBy: string | null;
  readonly leaseExpiresAt: Date | null;
  readonly finishedAt: Date | null;
}

/** A claim as the model made it; `token` is the model's token. */
export interface ModelClaim {
  readonly key: string;
  readonly payload: string;
  readonly priority: number;
  readonly attempt: number;
  readonly workerId: string;
  readonly claimedAt: Date;
  readonly leaseExpiresAt: Date;
  readonly token: string;
}

export interface DeadLetterView {
  readonly key: string;
  readonly payload: string;
  readonly priority: number;
  readonly attempts: number;
  readonly lastError: string;
  readonly createdAt: Date;
  readonly deadLetteredAt: Date;
}

export interface StatsView {
  readonly pending: number;
  readonly running: number;
  readonly completed: number;
  readonly dead: number;
}

export type ReplayAnswer =
  | { readonly ok: true; readonly job: JobView }
  | { readonly ok: false; readonly error: 'JobNotFoundError' | 'JobNotDeadError'; readonly status?: ModelStatus };

export function emptyQueue(): QueueState {
  return { jobs: {}, nextSeq: 1, nextToken: 1 };
}

export function cloneQueue(state: QueueState): QueueState {
  const jobs: Record<string, JobRecord> = {};
  for (const [key, job] of Object.entries(state.jobs)) jobs[key] = { ...job };
  return { jobs, nextSeq: state.nextSeq, nextToken: state.nextToken };
}

/** lastError of a thrown value: its message if it is an Error, String(value) otherwise. */
export function errorText(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/** The delay after the n-th attempt failed. */
export function backoffDelay(attempt: number, options: QueueModelOptions): number {
  const ceiling =
    options.backoffBaseMs === 0 ? 0 : Math.min(options.backoffCapMs, options.backoffBaseMs * 2 ** (attempt - 1));
  return options.jitter === 'full' ? Math.floor(options.random * ceiling) : ceiling;
}

/** Running jobs whose lease has ended are pending again, or dead on their last attempt. */
export function settleLeases(state: QueueState, options: QueueModelOptions, now: number): void {
  for (const job of Object.values(state.jobs)) {
    if (job.status !== 'running' || job.leaseExpiresAt === null || now < job.leaseExpiresAt) continue;
    const end = job.leaseExpiresAt;
    job.lastError = LEASE_EXPIRED;
    job.claimedBy = null;
    job.leaseExpiresAt = null;
    job.token = null;
    if (job.attempts >= options.maxAttempts) {
      job.status = 'dead';
      job.finishedAt = end;
    } else {
      job.status = 'pending';
      job.runAt = end;
    }
  }
}

function view(job: JobRecord): JobView {
  return {
    key: job.key,
    payload: job.payload,
    priority: job.priority,
    status: job.status,
    attempts: job.attempts,
    createdAt: new Date(job.createdAt),
    runAt: new Date(job.runAt),
    lastError: job.lastError,
    claimedBy: job.claimedBy,
    leaseExpiresAt: job.leaseExpiresAt === null ? null : new Date(job.leaseExpiresAt),
    finishedAt: job.finishedAt === null ? null : new Date(job.finishedAt),
  };
}

export function getJob(state: QueueState, options: QueueModelOptions, now: number, key: string): JobView | undefined {
  settleLeases(state, options, now);
  const job = state.jobs[key];
  return job === undefined ? undefined : view(job);
}

export function enqueue(
  state: QueueState,
  options: QueueModelOptions,
  now: number,
  key: string,
  payload: string,
  priority: number,
  delayMs: number,
): { job: JobView; created: boolean } {
  settleLeases(state, options, now);
  const existing = state.jobs[key];
  if (existing !== undefined) return { job: view(existing), created: false };
  const job: JobRecord = {
    key,
    payload,
    priority,
    seq: state.nextSeq++,
    status: 'pending',
    attempts: 0,
    createdAt: now,
    runAt: now + delayMs,
    lastError: null,
    claimedBy: null,
    leaseExpiresAt: null,
    finishedAt: null,
    token: null,
  };
  state.jobs[key] = job;
  return { job: view(job), created: true };
}

/** Due jobs in claim order: priority descending, runAt ascending, enqueue order. */
export function dueJobs(state: QueueState, now: number): JobRecord[] {
  return Object.values(state.jobs)
    .filter((job) => job.status === 'pending' && job.runAt <= now)
    .sort((a, b) => b.priority - a.priority || a.runAt - b.runAt || a.seq - b.seq);
}

export function claim(
  state: QueueState,
  options: QueueModelOptions,
  now: number,
  workerId: string,
  limit: number,
): ModelClaim[] {
  settleLeases(state, options, now);
  return dueJobs(state, now)
    .slice(0, limit)
    .map((job) => {
      job.status = 'running';
      job.attempts += 1;
      job.claimedBy = workerId;
      job.leaseExpiresAt = now + options.leaseMs;
      job.token = `m${state.nextToken++}`;
      return {
        key: job.key,
        payload: job.payload,
        priority: job.priority,
        attempt: job.attempts,
        workerId,
        claimedAt: new Date(now),
        leaseExpiresAt: new Date(job.leaseExpiresAt),
        token: job.token,
      };
    });
}

/** The job a live claim (model token) holds, or undefined when the claim is not live and current. */
function heldBy(state: QueueState, options: QueueModelOptions, now: number, key: string, token: string) {
  settleLeases(state, options, now);
  const job = state.jobs[key];
  if (job === undefined || job.status !== 'running' || job.token !== token) return undefined;
  return job;
}

function clearClaim(job: JobRecord): void {
  job.claimedBy = null;
  job.leaseExpiresAt = null;
  job.token = null;
}

export function complete(
  state: QueueState,
  options: QueueModelOptions,
  now: number,
  key: string,
  token: string,
): boolean {
  const job = heldBy(state, options, now, key, token);
  if (job === undefined) return false;
  job.status = 'completed';
  job.finishedAt = now;
  clearClaim(job);
  return true;
}

export function fail(
  state: QueueState,
  options: QueueModelOptions,
  now: number,
  key: string,
  token: string,
  text: string,
): boolean {
  const job = heldBy(state, options, now, key, token);
  if (job === undefined) return false;
  job.lastError = text;
  clearClaim(job);
  if (job.attempts >= options.maxAttempts) {
    job.status = 'dead';
    job.finishedAt = now;
  } else {
    job.status = 'pending';
    job.runAt = now + backoffDelay(job.attempts, options);
  }
  return true;
}

export function release(
  state: QueueState,
  options: QueueModelOptions,
  now: number,
  key: string,
  token: string,
): boolean {
  const job = heldBy(state, options, now, key, token);
  if (job === undefined) return false;
  job.status = 'pending';
  job.attempts -= 1;
  clearClaim(job);
  return true;
}

export function deadLetters(state: QueueState, options: QueueModelOptions, now: number): DeadLetterView[] {
  settleLeases(state, options, now);
  return Object.values(state.jobs)
    .filter((job) => job.status === 'dead')
    .sort((a, b) => a.finishedAt! - b.finishedAt! || a.seq - b.seq)
    .map((job) => ({
      key: job.key,
      payload: job.payload,
      priority: job.priority,
      attempts: job.attempts,
      lastError: job.lastError!,
      createdAt: new Date(job.createdAt),
      deadLetteredAt: new Date(job.finishedAt!),
    }));
}

export function replay(state: QueueState, options: QueueModelOptions, now: number, key: string): ReplayAnswer {
  settleLeases(state, options, now);
  const job = state.jobs[key];
  if (job === undefined) return { ok: false, error: 'JobNotFoundError' };
  if (job.status !== 'dead') return { ok: false, error: 'JobNotDeadError', status: job.status };
  job.status = 'pending';
  job.runAt = now;
  job.attempts = 0;
  job.lastError = null;
  job.finishedAt = null;
  return { ok: true, job: view(job) };
}

export function stats(state: QueueState, options: QueueModelOptions, now: number): StatsView {
  settleLeases(state, options, now);
  const count = (status: ModelStatus) => Object.values(state.jobs).filter((job) => job.status === status).length;
  return { pending: count('pending'), running: count('running'), completed: count('completed'), dead: count('dead') };
}

// ---------------------------------------------------------------------------------------------
// The worker: a poller, a buffer and `concurrency` handler slots, as the README describes them.
// The spec decides when each handler settles; the model says what must follow.
// ---------------------------------------------------------------------------------------------

export interface WorkerModelOptions {
  readonly workerId: string;
  readonly concurrency: number;
  readonly bufferSize: number;
  readonly pollIntervalMs: number;
}

/** How a handler ends, when the spec lets it: it returned or resolved, or it threw or rejected. */
export type HandlerEnd = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

export interface WorkerModel {
  readonly options: WorkerModelOptions;
  /** Claims waiting for a free handler, first claimed first. */
  readonly buffer: ModelClaim[];
  /** Claims whose handler runs (or ran and was abandoned at the grace deadline). */
  readonly running: ModelClaim[];
  nextPollAt: number | undefined;
  /** Set by stop(): when graceMs runs out. */
  stopDeadline: number | undefined;
  stopResolved: boolean;
  stopped: boolean;
  /** Its instance crashed: nothing it does reaches the database any more. */
  crashed: boolean;
}

/**
 * Decides, for a handler just handed its claim, whether it settles at once (a handler that returns
 * a value or throws synchronously) and how. The spec's handlers are told per key.
 */
export type ImmediateEnd = (claim: ModelClaim) => HandlerEnd | undefined;

export class WorkerSimulation {
  readonly worker: WorkerModel;
  /** Every claim handed to a handler, in order: the spec compares these with the handler calls. */
  readonly started: ModelClaim[] = [];

  constructor(
    private readonly queue: QueueState,
    private readonly queueOptions: QueueModelOptions,
    options: WorkerModelOptions,
    now: number,
    private readonly immediate: ImmediateEnd,
  ) {
    this.worker = {
      options,
      buffer: [],
      running: [],
      nextPollAt: undefined,
      stopDeadline: undefined,
      stopResolved: false,
      stopped: false,
      crashed: false,
    };
    this.poll(now);
  }

  get held(): number {
    return this.worker.buffer.length + this.worker.running.length;
  }

  /** A poll at `now`: claim as much as fits, start what the slots take, buffer the rest. */
  poll(now: number): void {
    const worker = this.worker;
    if (worker.stopped || worker.crashed) return;
    const room = worker.options.bufferSize + worker.options.concurrency - this.held;
    if (room > 0) {
      const claimed = claim(this.queue, this.queueOptions, now, worker.options.workerId, room);
      worker.buffer.push(...claimed);
      this.fill(now);
    }
    worker.nextPollAt = now + worker.options.pollIntervalMs;
  }

  /** Starts buffered claims while a slot is free; a claim whose lease ended is dropped instead. */
  private fill(now: number): void {
    const worker = this.worker;
    while (!worker.stopped && worker.running.length < worker.options.concurrency && worker.buffer.length > 0) {
      const next = worker.buffer.shift()!;
      if (now >= next.leaseExpiresAt.getTime()) continue;
      worker.running.push(next);
      this.started.push(next);
      const end = this.immediate(next);
      if (end !== undefined) this.record(next, end, now);
    }
  }

  private record(claimed: ModelClaim, end: HandlerEnd, now: number): void {
    const worker = this.worker;
    const index = worker.running.indexOf(claimed);
    if (index !== -1) worker.running.splice(index, 1);
    if (end.ok) complete(this.queue, this.queueOptions, now, claimed.key, claimed.token);
    else fail(this.queue, this.queueOptions, now, claimed.key, claimed.token, errorText(end.error));
    if (worker.stopped) {
      if (worker.running.length === 0) worker.stopResolved = true;
      return;
    }
    this.fill(now);
  }

  /** The handler of a running claim settles at `now`. */
  settle(claimed: ModelClaim, end: HandlerEnd, now: number): void {
    if (this.worker.crashed) return;
    this.record(claimed, end, now);
  }

  /** stop({ graceMs }) at `now`. */
  stop(graceMs: number, now: number): void {
    const worker = this.worker;
    if (worker.stopped || worker.crashed) return;
    worker.stopped = true;
    worker.nextPollAt = undefined;
    for (const buffered of worker.buffer.splice(0)) {
      release(this.queue, this.queueOptions, now, buffered.key, buffered.token);
    }
    if (worker.running.length === 0) worker.stopResolved = true;
    else worker.stopDeadline = now + graceMs;
  }

  /** The earliest thing this worker does by itself after `now`: a poll, or the grace deadline. */
  nextEvent(): number | undefined {
    const worker = this.worker;
    if (worker.crashed) return undefined;
    if (worker.stopped) return worker.stopResolved ? undefined : worker.stopDeadline;
    return worker.nextPollAt;
  }

  /** Time reached `now`: poll or give up waiting, if due. */
  reach(now: number): void {
    const worker = this.worker;
    if (worker.crashed) return;
    if (worker.stopped) {
      if (!worker.stopResolved && worker.stopDeadline !== undefined && now >= worker.stopDeadline) {
        worker.stopResolved = true;
      }
      return;
    }
    if (worker.nextPollAt !== undefined && now >= worker.nextPollAt) this.poll(now);
  }

  crash(): void {
    this.worker.crashed = true;
  }
}
