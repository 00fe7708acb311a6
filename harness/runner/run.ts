/**
 * Runs one kata's spec against one target in a child process group with a wall-clock deadline.
 * The verdict comes over IPC and is checked against the spec's own list of checks; the child's
 * stdout and exit code are never read as results.
 */
import { spawn } from 'node:child_process';

import { fileURLToPath } from 'node:url';
import { findKata, harnessRoot, loadSpec } from '../catalog/catalog.ts';
import { collectChecks } from '../kit/spec.ts';
import { mapOutcomes, oneLine, runStatus, type KataRun } from './outcomes.ts';
import { isChildReport, JOB_ENV, type ChildJob, type ChildReport } from './protocol.ts';

export interface RunOptions {
  /** The tree that holds harness/ and katas/. Default: this repository. */
  readonly root?: string;
  /** Run only these check ids. Default: every check. */
  readonly only?: readonly string[];
  /** Seed for every randomised check. Default: each check's own fixed seed. */
  readonly seed?: number;
  /** Wall-clock limit for the whole run, after which the process group is killed. Default: 120000. */
  readonly deadlineMs?: number;
  /** Extra arguments for the child's node, e.g. heap limits. Default: none. */
  readonly nodeArgs?: readonly string[];
  /** The child's environment. Default: this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Keeps at most this many bytes of the child's output for diagnostics. Default: 65536. */
  readonly outputLimitBytes?: number;
}

export const DEFAULT_DEADLINE_MS = 120_000;

const childFile = fileURLToPath(new URL('./child.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');

export async function runKata(slug: string, targetFile: string, options: RunOptions = {}): Promise<KataRun> {
  const root = options.root ?? harnessRoot;
  const kata = findKata(slug, root);
  const checks = collectChecks(await loadSpec(kata)).filter(
    (check) => options.only === undefined || options.only.includes(check.id),
  );
  const started = performance.now();
  const { report, problems } = await runChild(
    {
      root,
      slug,
      targetFile,
      ...(options.only ? { only: options.only } : {}),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    },
    options,
  );
  const mapped = mapOutcomes(checks, report, problems);
  return {
    slug,
    targetFile,
    status: runStatus(mapped.outcomes, mapped.problems),
    outcomes: mapped.outcomes,
    problems: mapped.problems,
    durationMs: Math.round(performance.now() - started),
  };
}

interface ChildResult {
  readonly report: ChildReport | undefined;
  readonly problems: string[];
  /** The tail of what the child printed, for diagnosing a crash. */
  readonly output: string;
}

export function runChild(job: ChildJob, options: RunOptions = {}): Promise<ChildResult> {
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const outputLimit = options.outputLimitBytes ?? 65_536;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', tsxLoader, childFile], {
      cwd: job.root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...(options.env ?? process.env), [JOB_ENV]: JSON.stringify(job) },
    });
    let report: ChildReport | undefined;
    const problems: string[] = [];
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-outputLimit);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('message', (message) => {
      if (report === undefined && isChildReport(message)) report = message;
    });

    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      killGroup(child.pid);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({ report, problems, output });
    };
    const timer = setTimeout(() => {
      problems.push(`timed out after ${Math.round(deadlineMs / 1000)} s: the run was stopped`);
      finish();
    }, deadlineMs);
    child.on('error', (error) => {
      problems.push(`could not start the runner: ${error.message}`);
      finish();
    });
    // Wait for the IPC channel to drain (disconnect) and the process to exit, but not for 'close':
    // a detached grandchild may hold the output pipes open long after the child is gone.
    let exitedWith: string | undefined;
    let disconnected = false;
    const settleAfterExit = (): void => {
      if (exitedWith === undefined || !disconnected) return;
      if (report === undefined) {
        const tail = oneLine(output.split('\n').slice(-8).join('\n'), 400);
        problems.push(`the run ended (${exitedWith}) without a report${tail ? `: ${tail}` : ''}`);
      }
      finish();
    };
    child.on('disconnect', () => {
      disconnected = true;
      settleAfterExit();
    });
    child.on('exit', (code, signal) => {
      exitedWith = signal ?? `exit code ${code}`;
      if (!child.connected) disconnected = true;
      settleAfterExit();
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}
