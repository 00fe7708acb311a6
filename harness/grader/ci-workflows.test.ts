/**
 * The workflow templates under docs/ci/: they pass actionlint, they keep the promises the
 * interviewer guide makes (least privilege, the grader from its pinned tag, no secret where
 * candidate code runs), and the commands their steps run work: each job is run here, its `run:`
 * scripts as written, against a grader tree of the fixture katas and fixture candidates, with
 * only the `${{ }}` expressions replaced and the actions stood in for.
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { harnessRoot } from '../catalog/catalog.ts';
import { buildGraderTree, writeSolved } from './hostile/fixture.ts';
import type { ClassroomResult } from './render/classroom.ts';
import type { BatchReport, GradeReport } from './report.ts';
import { shardOf } from './shard.ts';
import { lintWorkflow } from './testing/actionlint.ts';
import { runJob, type JobResult, type UsesCall, type Workflow } from './testing/actions.ts';
import { childrenNamed, parseXml } from './testing/xml.ts';
import { parseYaml } from './testing/yaml.ts';

const ciDir = join(harnessRoot, 'docs', 'ci');
const files = { classroom: join(ciDir, 'classroom.yml'), batch: join(ciDir, 'batch.yml') };
const source = (file: string): string => readFileSync(file, 'utf8');
const workflow = (file: string): Workflow => parseYaml(source(file)) as unknown as Workflow;

/** The only scripts this machine does not run: the install (node_modules is linked) and a kernel setting. */
const NOT_RUN_HERE: Record<string, string> = {
  'npm ci --no-audit --no-fund': 'the grader tree links this checkout’s node_modules, which npm ci would delete',
  'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 || true': 'a kernel setting of the runner’s VM',
};
function skip(script: string): string | undefined {
  const reason = NOT_RUN_HERE[script.trim()];
  // Fail closed: an install or a privileged command this list does not name is never run here.
  if (reason === undefined && /\bnpm (ci|install|i)\b|\bsudo\b/.test(script)) {
    throw new Error(`a step runs "${script.trim()}": say in NOT_RUN_HERE whether this machine may run it`);
  }
  return reason;
}

describe('the workflow templates pass the linter', () => {
  test.each(Object.entries(files))('%s passes actionlint', async (_name, file) => {
    expect(await lintWorkflow(source(file), relative(harnessRoot, file))).toEqual([]);
  });

  test.each([
    ['an unknown event', (text: string) => text.replace('workflow_dispatch:', 'workflow_dispatched:'), 'events'],
    [
      'a permission scope that does not exist',
      (text: string) => text.replace('contents: read', 'content: read'),
      'permissions',
    ],
    [
      'a job that needs a job that does not exist',
      (text: string) => text.replace('needs: grade', 'needs: grading'),
      'job-needs',
    ],
    ['a property of no context', (text: string) => text.replaceAll('matrix.shard', 'matrix.shards'), 'expression'],
    [
      'an input the action does not take',
      (text: string) => text.replace('merge-multiple: true', 'merge_multiple: true'),
      'action',
    ],
    ['a YAML syntax error', (text: string) => text.replace('jobs:', 'jobs: ['), 'syntax-check'],
  ])('rejects a workflow with %s', async (_what, breakIt, kind) => {
    const broken = breakIt(source(files.batch));
    expect(broken).not.toBe(source(files.batch));
    const problems = await lintWorkflow(broken, 'broken.yml');
    expect(problems.map((problem) => problem.kind)).toContain(kind);
  });
});

describe('the Classroom workflow keeps its promises', () => {
  const flow = workflow(files.classroom);
  const job = flow.jobs['run-autograding-tests']!;

  test('is what Classroom looks for: "Autograding Tests", one job "run-autograding-tests", on push', () => {
    expect(flow.name).toBe('Autograding Tests');
    expect(Object.keys(flow.jobs)).toEqual(['run-autograding-tests']);
    expect(Object.keys(flow.on)).toContain('push');
    expect(job.steps.at(-1)).toMatchObject({
      uses: 'classroom-resources/autograding-grading-reporter@v1',
      with: { runners: 'kata' },
    });
  });

  test('least privilege: contents read, no secret, no pull_request_target, no token left on disk', () => {
    expect(flow.permissions).toEqual({ contents: 'read' });
    expect(source(files.classroom)).not.toMatch(/secrets\.|pull_request_target|GITHUB_TOKEN|github\.token/);
    for (const step of job.steps.filter((entry) => entry.uses?.startsWith('actions/checkout@'))) {
      expect(step.with?.['persist-credentials'], step.name).toBe('false');
    }
  });

  test('grades with the grader at its pinned tag, from its own folder, never with the candidate’s code', () => {
    expect(flow.env?.GRADER_REF).toMatch(/^v\d+\.\d+\.\d+$/);
    const grader = job.steps.find((step) => step.with?.repository !== undefined)!;
    expect(grader.with).toMatchObject({
      repository: '${{ env.GRADER_REPOSITORY }}',
      ref: '${{ env.GRADER_REF }}',
      path: 'grader',
    });
    const submission = job.steps.find((step) => step.name === 'Check out the submission')!;
    expect(submission.with?.path).toMatch(/^submission\//);
    for (const step of job.steps.filter((entry) => entry.run !== undefined)) {
      if (step.run!.includes('npx kata') || step.run!.includes('npm ci'))
        expect(step['working-directory'], step.name).toBe('grader');
    }
  });

  test('every action is pinned to a major version', () => {
    for (const file of Object.values(files)) {
      for (const [, uses] of source(file).matchAll(/uses: (\S+)/g)) expect(uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
    }
  });
});

describe('the batch workflow keeps its promises', () => {
  const flow = workflow(files.batch);

  test('a matrix of shards, each keeping its JSON, and a final job that merges them', () => {
    expect(flow.permissions).toEqual({ contents: 'read' });
    expect(flow.on).toHaveProperty('workflow_dispatch');
    expect(flow.jobs.grade!.strategy?.matrix?.shard).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(flow.jobs.merge!.needs).toBe('grade');
    expect(source(files.batch)).not.toMatch(/pull_request_target/);
  });

  test('the token that reads the candidates’ repositories is given to the step that fetches them, and no other', () => {
    const withSecret = Object.values(flow.jobs).flatMap((job) =>
      job.steps.filter((step) => JSON.stringify(step).includes('secrets.')),
    );
    expect(withSecret.map((step) => step.name)).toEqual(["Fetch this shard's candidates"]);
    for (const job of Object.values(flow.jobs)) {
      expect(JSON.stringify(job.env ?? {})).not.toContain('secrets.');
      for (const step of job.steps.filter((entry) => entry.uses?.startsWith('actions/checkout@'))) {
        expect(step.with?.['persist-credentials'], step.name).toBe('false');
      }
    }
  });
});

// Running the jobs ------------------------------------------------------------------------------

const base = mkdtempSync(join(tmpdir(), 'kata-workflows-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const TOKEN = 'test-token-4b1d';

function copyInto(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true });
}

/** The files under `dir`, links and node_modules not followed. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') found.push(...filesUnder(path));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

/** The runner's environment: PATH (a fake git first, for the batch's clones), a HOME of its own, no update check. */
function baseEnv(home: string, fakeBin: string): Record<string, string> {
  mkdirSync(home, { recursive: true });
  return {
    PATH: `${fakeBin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    LANG: 'C.UTF-8',
    NPM_CONFIG_UPDATE_NOTIFIER: 'false',
  };
}

interface Actions {
  readonly artifacts: string;
  readonly reported: { runner: string; result: ClassroomResult }[];
}

/** Stand-ins for the actions the templates use: checkout from fixtures, artifacts in a folder, the reporter's reading. */
function standIns(actions: Actions, self: string, graderRepository: () => string) {
  return async (call: UsesCall): Promise<void> => {
    const { step, inputs, workspace } = call;
    const action = step.uses!;
    if (action === 'actions/checkout@v4') {
      expect(inputs['persist-credentials']).toBe('false');
      const target = join(workspace, inputs.path ?? '');
      if (inputs.repository === undefined) copyInto(self, target);
      else {
        expect(inputs.repository).toBe(graderRepository());
        expect(inputs.ref).toMatch(/^v\d+\.\d+\.\d+$/);
        buildGraderTree(target);
      }
    } else if (action === 'actions/setup-node@v4') {
      expect(inputs['node-version']).toBe('20');
    } else if (action === 'actions/upload-artifact@v4') {
      const from = join(workspace, inputs.path!);
      expect(filesUnder(from).length, `${inputs.name}: if-no-files-found: error`).toBeGreaterThan(0);
      copyInto(from, join(actions.artifacts, inputs.name!));
    } else if (action === 'actions/download-artifact@v4') {
      expect(inputs['merge-multiple']).toBe('true');
      const pattern = new RegExp(`^${inputs.pattern!.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      for (const name of readdirSync(actions.artifacts).filter((entry) => pattern.test(entry))) {
        for (const file of filesUnder(join(actions.artifacts, name))) {
          copyInto(file, join(workspace, inputs.path!, relative(join(actions.artifacts, name), file)));
        }
      }
    } else if (action === 'classroom-resources/autograding-grading-reporter@v1') {
      // What the reporter does with its input (src/main.js): each runner id, upper-cased, + _RESULTS, base64 JSON.
      for (const runner of inputs.runners!.split(/[\s,]/).filter(Boolean)) {
        const encoded = call.env[`${runner.trim().toUpperCase()}_RESULTS`];
        expect(encoded, `${runner.toUpperCase()}_RESULTS`).toBeDefined();
        actions.reported.push({
          runner,
          result: JSON.parse(Buffer.from(encoded!, 'base64').toString('utf8')) as ClassroomResult,
        });
      }
    } else {
      throw new Error(`no stand-in for ${action}`);
    }
  };
}

describe('the Classroom workflow, run here on a candidate’s push', () => {
  const flow = workflow(files.classroom);
  const workspace = join(base, 'classroom', 'workspace');
  const candidate = join(base, 'classroom', 'ada-kata');
  const actions: Actions = { artifacts: join(base, 'classroom', 'artifacts'), reported: [] };
  let result: JobResult;

  beforeAll(async () => {
    mkdirSync(actions.artifacts, { recursive: true });
    mkdirSync(workspace, { recursive: true });
    const fixtureGrader = buildGraderTree(join(base, 'classroom', 'fixture-grader'));
    writeSolved(candidate, 'tally', fixtureGrader);
    mkdirSync(join(candidate, 'katas', 'echo'), { recursive: true });
    writeFileSync(
      join(candidate, 'katas', 'echo', 'index.ts'),
      'export const echo = <T>(value: T): T => structuredClone(value);\n',
    );
    result = await runJob(flow, 'run-autograding-tests', {
      workspace,
      expressions: { 'github.event.repository.name': 'ada-kata' },
      conditions: { "github.actor != 'github-classroom[bot]'": true, '!cancelled()': true },
      uses: standIns(actions, candidate, () => flow.env!.GRADER_REPOSITORY!),
      skip,
      baseEnv: baseEnv(join(base, 'classroom', 'home'), join(base, 'no-fake-bin')),
    });
  }, 240_000);

  test('runs every step, skipping only the install and the kernel setting', () => {
    expect(result.steps.filter((step) => step.kind === 'skipped').map((step) => step.script!.trim())).toEqual(
      Object.keys(NOT_RUN_HERE),
    );
    expect(result.steps.filter((step) => step.kind === 'run').map((step) => step.name)).toEqual(['Grade']);
  });

  test('keeps the JSON, Markdown, JUnit and Classroom files as the artifact', () => {
    const kept = join(actions.artifacts, 'kata-report');
    expect(readdirSync(kept).sort()).toEqual(['classroom.json', 'junit.xml', 'report.json', 'report.md']);
    const report = JSON.parse(readFileSync(join(kept, 'report.json'), 'utf8')) as GradeReport;
    expect(report.candidate.name).toBe('ada-kata');
    expect(report.katas.map((kata) => [kata.slug, kata.status])).toEqual([
      ['tally', 'passed'],
      ['echo', 'failed'],
    ]);
    expect(readFileSync(join(kept, 'report.md'), 'utf8')).toContain('# Scorecard: ada-kata');
    const suites = childrenNamed(parseXml(readFileSync(join(kept, 'junit.xml'), 'utf8')), 'testsuite');
    expect(suites.map((suite) => suite.attributes.name)).toEqual(['tally', 'echo']);
  });

  test('hands the reporter KATA_RESULTS through $GITHUB_ENV: every check with its points, the total as graded', () => {
    const report = JSON.parse(
      readFileSync(join(actions.artifacts, 'kata-report', 'report.json'), 'utf8'),
    ) as GradeReport;
    expect(Object.keys(result.env)).toEqual(['KATA_RESULTS']);
    expect(actions.reported).toHaveLength(1);
    const { result: reported } = actions.reported[0]!;
    expect(reported).toEqual(
      JSON.parse(readFileSync(join(actions.artifacts, 'kata-report', 'classroom.json'), 'utf8')),
    );
    // What the reporter's NotifyClassroom adds up: tests[].score over max_score.
    expect(reported.tests.reduce((sum, entry) => sum + entry.score, 0)).toBe(report.total.score);
    expect(reported.max_score).toBe(report.total.max);
    expect(reported.tests).toHaveLength(report.katas.reduce((sum, kata) => sum + kata.checks.length, 0));
    expect(reported.status).toBe('fail');
  });

  test('puts the scorecard in the job summary', () => {
    expect(result.summary).toContain('# Scorecard: ada-kata');
  });
});

describe('the batch workflow, run here: two shards and the merge', () => {
  const flow = workflow(files.batch);
  const root = join(base, 'batch');
  const actions: Actions = { artifacts: join(root, 'artifacts'), reported: [] };
  const candidates = ['alice-kata', 'bo-kata', 'cy-kata'];
  const shards: JobResult[] = [];
  let merge: JobResult;

  beforeAll(async () => {
    mkdirSync(actions.artifacts, { recursive: true });
    const fixtureGrader = buildGraderTree(join(root, 'fixture-grader'));
    // The candidates' repositories, where the fake git clones from.
    const remotes = join(root, 'remotes');
    writeSolved(join(remotes, 'org', 'alice-kata'), 'tally', fixtureGrader);
    writeSolved(join(remotes, 'org', 'alice-kata'), 'echo', fixtureGrader);
    writeSolved(join(remotes, 'org', 'bo-kata'), 'echo', fixtureGrader);
    mkdirSync(join(remotes, 'org', 'cy-kata', 'katas', 'tally'), { recursive: true });
    writeFileSync(
      join(remotes, 'org', 'cy-kata', 'katas', 'tally', 'index.ts'),
      'export const tally = () => new Map();\n',
    );
    for (const name of candidates) mkdirSync(join(remotes, 'org', name, '.git'), { recursive: true });
    // The interviewer's repository: the list, with one repository that cannot be fetched.
    const self = join(root, 'interviewer');
    mkdirSync(self, { recursive: true });
    writeFileSync(
      join(self, 'candidates.txt'),
      `# applicants\n${candidates.map((name) => `org/${name}`).join('\n')}\norg/gone-kata\n`,
    );
    // git, as the fetch step calls it: `git [-c http.extraHeader=...] clone --quiet --depth 1 URL DIR`.
    const fakeBin = join(root, 'bin');
    mkdirSync(fakeBin, { recursive: true });
    const log = join(root, 'git.log');
    writeFileSync(
      join(fakeBin, 'git'),
      [
        '#!/usr/bin/env bash',
        `printf '%s\\n' "$*" >> '${log}'`,
        'url="${@: -2:1}"; dest="${@: -1}"',
        'repo="${url#https://github.com/}"; repo="${repo%.git}"',
        `[ -d '${remotes}'/"$repo" ] || { echo "fatal: repository not found" >&2; exit 128; }`,
        `cp -r '${remotes}'/"$repo" "$dest"`,
      ].join('\n'),
    );
    chmodSync(join(fakeBin, 'git'), 0o755);
    const env = (job: string) => baseEnv(join(root, job, 'home'), fakeBin);
    for (const shard of ['1', '2']) {
      const workspace = join(root, `shard-${shard}`, 'workspace');
      mkdirSync(workspace, { recursive: true });
      shards.push(
        await runJob(flow, 'grade', {
          workspace,
          expressions: {
            'matrix.shard': shard,
            'strategy.job-total': '2',
            'secrets.CANDIDATES_TOKEN': TOKEN,
            'inputs.katas': '',
          },
          uses: standIns(actions, self, () => flow.env!.GRADER_REPOSITORY!),
          skip,
          baseEnv: env(`shard-${shard}`),
        }),
      );
    }
    const workspace = join(root, 'merge', 'workspace');
    mkdirSync(workspace, { recursive: true });
    merge = await runJob(flow, 'merge', {
      workspace,
      expressions: {},
      conditions: { '!cancelled()': true },
      uses: standIns(actions, self, () => flow.env!.GRADER_REPOSITORY!),
      skip,
      baseEnv: env('merge'),
    });
  }, 300_000);

  test('each shard fetches only its own candidates, with the token, and leaves no .git behind', () => {
    expect(new Set(candidates.map((name) => shardOf(name, 2)))).toEqual(new Set([1, 2]));
    const clones = readFileSync(join(root, 'git.log'), 'utf8').trim().split('\n');
    const header = `http.extraHeader=Authorization: Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;
    for (const line of clones)
      expect(line.startsWith(`-c ${header} clone --quiet --depth 1 https://github.com/org/`)).toBe(true);
    for (const [index, shard] of ['1', '2'].entries()) {
      const fetched = readdirSync(join(root, `shard-${shard}`, 'workspace', 'candidates')).sort();
      expect(fetched).toEqual(candidates.filter((name) => shardOf(name, 2) === index + 1));
      for (const name of fetched)
        expect(existsSync(join(root, `shard-${shard}`, 'workspace', 'candidates', name, '.git'))).toBe(false);
    }
    const warned = shards.flatMap((shard) => shard.steps.map((step) => step.stdout ?? '')).join('\n');
    expect(warned).toContain('::warning::could not fetch org/gone-kata');
  });

  test('each shard keeps its JSON; the merge publishes one ranking of every candidate', () => {
    expect(readdirSync(actions.artifacts).sort()).toEqual(['kata-ranking', 'kata-shard-1', 'kata-shard-2']);
    const ranking = join(actions.artifacts, 'kata-ranking');
    expect(readdirSync(ranking).sort()).toEqual(['batch.json', 'batch.md', 'junit.xml', 'ranking.csv']);
    const batch = JSON.parse(readFileSync(join(ranking, 'batch.json'), 'utf8')) as BatchReport;
    expect(batch.ranking.map((row) => row.name)).toEqual(['alice-kata', 'bo-kata', 'cy-kata']);
    expect(readFileSync(join(ranking, 'ranking.csv'), 'utf8').split('\r\n')[1]).toMatch(/^1,alice-kata,/);
    expect(merge.summary).toContain('# Batch grading: 3 candidates');
  });

  test('the token is written nowhere: not in a report, a checkout, or a script the runner kept', () => {
    for (const dir of [actions.artifacts, join(root, 'shard-1'), join(root, 'shard-2'), join(root, 'merge')]) {
      for (const file of filesUnder(dir)) expect(readFileSync(file).includes(TOKEN), file).toBe(false);
    }
  });
});
