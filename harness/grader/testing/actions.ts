/**
 * Enough of a GitHub Actions runner to run the jobs of the workflow templates under docs/ci/ on
 * this machine, so the suite runs the very commands their steps hold: each `run:` script as
 * written, through bash as the runner calls it, in the step's working directory, with the
 * workflow's, the job's and the step's environment, `$GITHUB_ENV`, `$GITHUB_STEP_SUMMARY` and
 * `$GITHUB_WORKSPACE`. Only `${{ ... }}` expressions are replaced, each from a table the test
 * gives (an expression it does not give fails the run), and `uses:` steps are handed to the test,
 * which stands in for the action. A script the test says this machine cannot run (an install, a
 * kernel setting) is recorded as skipped, never silently.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { YamlValue } from './yaml.ts';

export interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly 'working-directory'?: string;
  readonly if?: string;
  readonly shell?: string;
}

export interface Job {
  readonly name?: string;
  readonly 'runs-on': string;
  readonly needs?: string | readonly string[];
  readonly if?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly strategy?: { readonly matrix?: Readonly<Record<string, readonly string[]>>; readonly 'fail-fast'?: string };
  readonly steps: readonly Step[];
}

export interface Workflow {
  readonly name: string;
  readonly on: Readonly<Record<string, YamlValue>>;
  readonly permissions?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly defaults?: { readonly run?: { readonly shell?: string } };
  readonly jobs: Readonly<Record<string, Job>>;
}

export interface UsesCall {
  readonly step: Step;
  /** The step's `with:`, expressions replaced. */
  readonly inputs: Readonly<Record<string, string>>;
  /** The environment the step would see (for the reporter, which reads `<ID>_RESULTS`). */
  readonly env: Readonly<Record<string, string>>;
  readonly workspace: string;
}

export interface RunnerOptions {
  readonly workspace: string;
  /** The value of each expression the job uses, by its text (`matrix.shard`); `env.X` comes from the env. */
  readonly expressions: Readonly<Record<string, string>>;
  /** What each `if:` condition the job uses evaluates to, by its text without `${{ }}`. */
  readonly conditions?: Readonly<Record<string, boolean>>;
  readonly uses: (call: UsesCall) => Promise<void> | void;
  /** Why this machine does not run a script (an install, a kernel setting), or undefined to run it. */
  readonly skip: (script: string) => string | undefined;
  /** The environment of the runner itself: PATH, HOME. */
  readonly baseEnv: Readonly<Record<string, string>>;
}

export interface StepRecord {
  readonly name: string;
  readonly kind: 'run' | 'uses' | 'skipped';
  readonly script?: string;
  readonly reason?: string;
  readonly stdout?: string;
  readonly stderr?: string;
}

export interface JobResult {
  readonly steps: readonly StepRecord[];
  /** What the steps wrote to $GITHUB_ENV. */
  readonly env: Readonly<Record<string, string>>;
  /** Every step's summary, in order. */
  readonly summary: string;
}

function substitute(text: string, options: RunnerOptions, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_whole, expression: string) => {
    if (expression in options.expressions) return options.expressions[expression]!;
    const name = /^env\.(\w+)$/.exec(expression)?.[1];
    if (name !== undefined && name in env) return env[name]!;
    throw new Error(`the test gives no value for the expression \${{ ${expression} }}`);
  });
}

function substituted(
  map: Readonly<Record<string, string>> | undefined,
  options: RunnerOptions,
  env: Readonly<Record<string, string>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(map ?? {}).map(([key, value]) => [key, substitute(value ?? '', options, env)]),
  );
}

function condition(text: string | undefined, options: RunnerOptions): boolean {
  if (text === undefined) return true;
  const bare = text.replace(/^\$\{\{\s*|\s*\}\}$/g, '');
  const value = options.conditions?.[bare];
  if (value === undefined) throw new Error(`the test says nothing of the condition "${bare}"`);
  return value;
}

/** `$GITHUB_ENV` as the runner reads it: NAME=value lines (the heredoc form is refused here). */
function readEnvFile(file: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const at = line.indexOf('=');
    if (at <= 0 || line.includes('<<')) throw new Error(`$GITHUB_ENV line not read here: ${line.slice(0, 80)}`);
    result[line.slice(0, at)] = line.slice(at + 1);
  }
  return result;
}

function bash(
  script: string,
  cwd: string,
  env: Record<string, string>,
  shell: string | undefined,
): Promise<{ code: number; stdout: string; stderr: string }> {
  // The runner's own invocations: `bash -e {0}` by default, `bash --noprofile --norc -eo pipefail {0}` for `shell: bash`.
  const args = shell === 'bash' ? ['--noprofile', '--norc', '-eo', 'pipefail', script] : ['-e', script];
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
  });
}

/** Runs one job's steps in order, as a runner would; throws on the first step that fails. */
export async function runJob(workflow: Workflow, jobId: string, options: RunnerOptions): Promise<JobResult> {
  const job = workflow.jobs[jobId];
  if (job === undefined) throw new Error(`no job ${jobId}`);
  if (!condition(job.if, options)) return { steps: [], env: {}, summary: '' };
  const temp = join(options.workspace, '.runner-temp');
  mkdirSync(temp, { recursive: true });
  const envFile = join(temp, 'github-env');
  writeFileSync(envFile, '');
  const records: StepRecord[] = [];
  const summaries: string[] = [];
  const workflowEnv = substituted(workflow.env, options, {});
  const jobEnv = { ...workflowEnv, ...substituted(job.env, options, workflowEnv) };
  let index = 0;
  for (const step of job.steps) {
    index++;
    const name = step.name ?? step.uses ?? `step ${index}`;
    if (!condition(step.if, options)) continue;
    const scope = { ...jobEnv, ...readEnvFile(envFile) };
    const stepEnv = { ...scope, ...substituted(step.env, options, scope) };
    if (step.uses !== undefined) {
      await options.uses({
        step,
        inputs: substituted(step.with, options, stepEnv),
        env: stepEnv,
        workspace: options.workspace,
      });
      records.push({ name, kind: 'uses' });
      continue;
    }
    if (step.run === undefined) throw new Error(`${name}: neither uses nor run`);
    const reason = options.skip(step.run);
    if (reason !== undefined) {
      records.push({ name, kind: 'skipped', script: step.run, reason });
      continue;
    }
    const script = join(temp, `step-${index}.sh`);
    writeFileSync(script, substitute(step.run, options, stepEnv));
    const summary = join(temp, `summary-${index}.md`);
    writeFileSync(summary, '');
    const cwd = join(options.workspace, step['working-directory'] ?? '');
    if (!existsSync(cwd)) throw new Error(`${name}: working-directory ${cwd} does not exist`);
    const env = {
      ...options.baseEnv,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: options.workspace,
      RUNNER_TEMP: temp,
      GITHUB_ENV: envFile,
      GITHUB_STEP_SUMMARY: summary,
      ...stepEnv,
    };
    const result = await bash(script, cwd, env, step.shell ?? workflow.defaults?.run?.shell);
    if (result.code !== 0) {
      throw new Error(`${jobId} / ${name} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
    }
    summaries.push(readFileSync(summary, 'utf8'));
    records.push({ name, kind: 'run', script: step.run, stdout: result.stdout, stderr: result.stderr });
  }
  return { steps: records, env: readEnvFile(envFile), summary: summaries.join('') };
}
