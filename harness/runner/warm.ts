/**
 * `kata watch`'s warm runner. Between saves a spare runner child waits: started in its own folder
 * with the run's allow-listed environment, launched as every run is (process group, or namespaces
 * where asked), its vitest started and its test worker holding the kit and the spec, waiting for a
 * job (warm-protocol.ts). At the save, runKata claims it for its first attempt: the supervision
 * (memory, time limits, the canary, the group killed at the end) starts as for any attempt, and
 * the worker then loads the candidate's module for the first time in that process. After the run
 * the whole group is killed, as always, and the next spare starts: no module, timer, handle or
 * process of one run is alive in the next. A spare that died while it waited is replaced and the
 * run starts a child of its own; so does a run whose environment or limits the spare was not
 * started with.
 */
import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { JOB_ENV, type ChildJob } from './protocol.ts';
import {
  DEFAULT_LOAD_TIMEOUT_MS,
  DEFAULT_MEMORY_LIMIT_MB,
  letServerThrough,
  MARKER_ENV,
  spawnChild,
  type ClaimedSpare,
  type RunOptions,
  type SpareChild,
} from './run.ts';
import { childBundle } from './sandbox/child-bundle.ts';
import type { Dialect } from '../kit/db/types.ts';
import { engineEnvironment, runEnvironment } from './sandbox/environment.ts';
import { launchCommand, type IsolationChoice, type IsolationMode, type SandboxPaths } from './sandbox/isolation.ts';
import { endRun, killGroup } from './sandbox/process-table.ts';
import { readyFile, SPARE_ENV, writeSpareJob } from './warm-protocol.ts';

export interface SpareOptions {
  readonly root: string;
  readonly slug: string;
  readonly targetFile: string;
  readonly isolation?: IsolationChoice;
  readonly sandbox?: SandboxPaths;
  /** Extra arguments for the child's node, as RunOptions.nodeArgs. Default: none. */
  readonly nodeArgs?: readonly string[];
  /** Kept from the child's output, as RunOptions.outputLimitBytes. Default: 65536. */
  readonly outputLimitBytes?: number;
  /** The database engine of the runs it is for, as RunOptions.engine. Default: SQLite. */
  readonly engine?: Dialect;
  /** As RunOptions.moduleCache. Default: none. */
  readonly moduleCache?: string;
}

/** The job fields a spare is started with; a run whose job differs in any of them cannot use it. */
const FIXED = ['root', 'slug', 'targetFile', 'hookTimeoutMs', 'workerExecArgv', 'moduleCache'] as const;

/** Variables that differ between any two runs by design: the job, the marker, the spare's job file. */
const PER_RUN = new Set([JOB_ENV, MARKER_ENV, SPARE_ENV]);

export class Spare implements SpareChild {
  private output = '';
  private taken = false;
  private exited = false;
  private released = false;
  private readonly keep = (chunk: Buffer): void => {
    this.output = (this.output + chunk.toString('utf8')).slice(-(this.options.outputLimitBytes ?? 65_536));
  };

  private constructor(
    readonly dir: string,
    readonly child: ChildProcess,
    readonly mode: IsolationMode,
    readonly env: NodeJS.ProcessEnv,
    private readonly job: ChildJob,
    private readonly jobFile: string,
    private readonly options: SpareOptions,
    private readonly stamp: string,
  ) {
    child.stdout?.on('data', this.keep);
    child.stderr?.on('data', this.keep);
    child.on('exit', () => {
      this.exited = true;
    });
    // Nothing reads a spare's results before it is claimed; an error is an exit.
    child.on('error', () => {
      this.exited = true;
    });
  }

  /** Starts a spare in a folder of its own, with the limits runKata uses by default. */
  static async start(options: SpareOptions): Promise<Spare> {
    const bundle = await childBundle();
    const dir = mkdtempSync(join(tmpdir(), 'kata-run-'));
    const childFile = join(dir, 'child.mjs');
    writeFileSync(childFile, bundle);
    const home = join(dir, 'home');
    const tmp = join(dir, 'tmp');
    mkdirSync(home, { recursive: true });
    mkdirSync(tmp, { recursive: true });
    const jobFile = join(dir, 'job.json');
    const job: ChildJob = {
      root: options.root,
      slug: options.slug,
      targetFile: options.targetFile,
      hookTimeoutMs: DEFAULT_LOAD_TIMEOUT_MS,
      workerExecArgv: [`--max-old-space-size=${Math.max(64, Math.floor(DEFAULT_MEMORY_LIMIT_MB / 2))}`],
      ...(options.moduleCache === undefined ? {} : { moduleCache: options.moduleCache }),
    };
    const marker = randomBytes(8).toString('hex');
    // Before the spare reads any of them: a file changed after this is seen at the claim.
    const stamp = sourceStamp(options.root, options.slug, options.targetFile);
    const env = runEnvironment(
      { home, tmp },
      {
        ...engineEnvironment(options.engine),
        [JOB_ENV]: JSON.stringify(job),
        [MARKER_ENV]: marker,
        [SPARE_ENV]: jobFile,
      },
    );
    if (options.engine === 'postgres') letServerThrough(tmp);
    const launch = launchCommand(
      process.execPath,
      [...(options.nodeArgs ?? []), childFile],
      options.isolation ?? 'process-group',
      options.sandbox,
    );
    const child = spawnChild(launch.command, launch.args, options.root, env);
    return new Spare(dir, child, launch.mode, env, job, jobFile, options, stamp);
  }

  /** Whether its worker waits for its job, with vitest, the kit and the spec loaded (advisory). */
  get ready(): boolean {
    return this.waiting && existsSync(readyFile(this.jobFile));
  }

  /** Whether a run claimed it. */
  get claimed(): boolean {
    return this.taken && this.released;
  }

  /** Whether it can still be claimed: not taken, and its child alive and connected. */
  get waiting(): boolean {
    return !this.taken && !this.exited && this.child.exitCode === null && this.child.connected;
  }

  /** The options runKata needs to run its first attempt in this spare: the spare, and its folder. */
  runOptions(): Pick<RunOptions, 'spare' | 'workDir'> {
    return { spare: this, workDir: this.dir };
  }

  claim(
    job: ChildJob,
    env: NodeJS.ProcessEnv,
    launch: Pick<RunOptions, 'isolation' | 'sandbox' | 'nodeArgs'>,
  ): ClaimedSpare | undefined {
    if (!this.waiting || !fits(this.job, this.env, job, env)) return undefined;
    if (!sameLaunch(this.options, launch)) return undefined;
    // The spec, the kit and the kata's other files as the spare loaded them, or the run starts afresh.
    if (sourceStamp(this.options.root, this.options.slug, this.options.targetFile) !== this.stamp) return undefined;
    this.taken = true;
    this.child.stdout?.off('data', this.keep);
    this.child.stderr?.off('data', this.keep);
    return {
      child: this.child,
      mode: this.mode,
      env: this.env,
      marker: `${MARKER_ENV}=${this.env[MARKER_ENV]!}`,
      output: this.output,
      release: () => {
        this.released = true;
        writeSpareJob(this.jobFile, job);
      },
    };
  }

  /**
   * Ends every process of it (claimed or not) and removes its folder: the sweep first, while its
   * tree is whole (see endRun), then the group, as a run ends (run.ts).
   */
  dispose(): void {
    this.taken = true;
    if (this.child.pid !== undefined) {
      endRun({ rootPid: this.child.pid, marker: `${MARKER_ENV}=${this.env[MARKER_ENV]!}` });
    }
    killGroup(this.child.pid);
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    if (this.child.connected) this.child.disconnect();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Whether a spare started with `spareJob` in `spareEnv` can run `job` in `env`: the same tree,
 * kata, target and limits, and every variable the same but those that differ per run by design
 * (HOME and TMPDIR among them: the run's folder is the spare's, which its worker can write).
 */
export function fits(spareJob: ChildJob, spareEnv: NodeJS.ProcessEnv, job: ChildJob, env: NodeJS.ProcessEnv): boolean {
  if (job.tests !== undefined) return false;
  for (const key of FIXED) if (JSON.stringify(job[key]) !== JSON.stringify(spareJob[key])) return false;
  const names = new Set([...Object.keys(spareEnv), ...Object.keys(env)].filter((name) => !PER_RUN.has(name)));
  for (const name of names) if (spareEnv[name] !== env[name]) return false;
  return true;
}

function sameLaunch(spare: SpareOptions, run: Pick<RunOptions, 'isolation' | 'sandbox' | 'nodeArgs'>): boolean {
  return (
    (spare.isolation ?? 'process-group') === (run.isolation ?? 'process-group') &&
    JSON.stringify(spare.sandbox ?? {}) === JSON.stringify(run.sandbox ?? {}) &&
    JSON.stringify(spare.nodeArgs ?? []) === JSON.stringify(run.nodeArgs ?? [])
  );
}

/**
 * Size and modification time of every file a spare may load before its job: the harness and the
 * kata's folder, the target (loaded after the job, fresh), test files and notes aside.
 */
export function sourceStamp(root: string, slug: string, targetFile: string): string {
  const entries: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const path = join(dir, name);
      // The candidate's own tests and notes are never loaded by a spec: editing them keeps the spare.
      if (path === targetFile || name === 'node_modules' || /\.(test\.ts|md)$/.test(name)) continue;
      try {
        const stat = statSync(path);
        if (stat.isDirectory()) walk(path);
        else entries.push(`${path}:${stat.size}:${stat.mtimeMs}`);
      } catch {
        entries.push(`${path}:gone`);
      }
    }
  };
  walk(join(root, 'harness'));
  walk(join(root, 'katas', slug));
  return entries.join('\n');
}

/**
 * Keeps one spare ready for the next run of one target: `take()` hands the current one over (or
 * starts one when there is none or it died), `prepare()` starts the next one after a run.
 */
export class WarmRunner {
  private next: Promise<Spare> | undefined;

  constructor(private readonly options: SpareOptions) {}

  /** Starts the next spare, unless one is already waiting. */
  prepare(): void {
    this.next ??= Spare.start(this.options);
  }

  /** The spare for the coming run: the waiting one, or a new one if it is gone. */
  async take(): Promise<Spare> {
    this.prepare();
    let spare = await this.next!;
    this.next = undefined;
    if (!spare.waiting) {
      spare.dispose();
      spare = await Spare.start(this.options);
    }
    return spare;
  }

  /** Resolves once the next spare is ready (see Spare.ready) or gone. */
  async whenReady(): Promise<void> {
    this.prepare();
    const spare = await this.next!;
    while (spare.waiting && !spare.ready) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Kills the waiting spare, if any. */
  async close(): Promise<void> {
    const next = this.next;
    this.next = undefined;
    if (next !== undefined) (await next).dispose();
  }
}
