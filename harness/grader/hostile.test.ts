/**
 * The hostile corpus (hostile/corpus.ts) graded as one batch, every case a candidate of its own
 * beside a control candidate, with short limits so the whole corpus runs in seconds: each case
 * must reach its expected verdict, the bystander kata beside it must pass, the control candidate
 * must get full marks, nothing a submission started may outlive the grading, and the grader's own
 * files must come out unchanged.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { grade, type GradeOptions, type GradeResult, type GradeTarget } from './grade.ts';
import { corpus, type HostileCase } from './hostile/corpus.ts';
import { buildGraderTree, writeCandidate, writeSolved } from './hostile/fixture.ts';
import type { GradeReport } from './report.ts';
import { namespacesWork } from '../runner/sandbox/isolation.ts';

/** Short limits: every case but the loops needs far less, and the loops need no more. */
const LIMITS: GradeOptions['limits'] = {
  timeoutCapMs: 1000,
  graceMs: 500,
  loadTimeoutMs: 1500,
  memoryLimitMb: 400,
  heapLimitMb: 128,
  maxRestarts: 1,
};
const SECRET = 'KATA_HOSTILE_SECRET';
/** The marker argument of the processes detached-children.ts starts. */
const LINGERING = 'sleep 41.5';

const base = mkdtempSync(join(tmpdir(), 'kata-hostile-'));
const graderRoot = buildGraderTree(join(base, 'grader'));
const graderFiles = ['katas/tally/spec.ts', 'harness/kit/spec.ts', 'harness/runner/register.ts'].map((path) => [
  path,
  readFileSync(join(graderRoot, path), 'utf8'),
]);

function targetsFor(cases: readonly HostileCase[], folder: string, withControl: boolean): GradeTarget[] {
  const targets = cases.map((hostile): GradeTarget => {
    const dir = join(base, folder, hostile.name);
    writeCandidate(dir, hostile, graderRoot);
    return { name: hostile.name, kind: 'candidate', dir };
  });
  if (!withControl) return targets;
  const control = join(base, folder, 'control');
  writeSolved(control, 'tally', graderRoot);
  writeSolved(control, 'echo', graderRoot);
  return [...targets, { name: 'control', kind: 'candidate', dir: control }];
}

async function gradeWithSecrets(targets: readonly GradeTarget[], options: GradeOptions): Promise<GradeResult> {
  const saved = { secret: process.env[SECRET], nodeOptions: process.env.NODE_OPTIONS };
  process.env[SECRET] = 'hunter2';
  process.env.NODE_OPTIONS = '--no-deprecation';
  try {
    return await grade(targets, { graderRoot, concurrency: availableParallelism(), limits: LIMITS, ...options });
  } finally {
    for (const [name, value] of [
      [SECRET, saved.secret],
      ['NODE_OPTIONS', saved.nodeOptions],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

function lingering(): string[] {
  const table = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return table.split('\n').filter((line) => line.includes(LINGERING));
}

function expectVerdict(report: GradeReport, hostile: HostileCase, verdict: HostileCase['expect']): void {
  const kata = report.katas.find((entry) => entry.slug === 'tally')!;
  const context = `${hostile.name}: ${JSON.stringify({ status: kata.status, reason: kata.reason, checks: kata.checks.map((c) => [c.id, c.status, c.message]) })}`;
  const statuses = Array.isArray(verdict.status) ? verdict.status : [verdict.status];
  expect(statuses, context).toContain(kata.status);
  for (const check of kata.checks) {
    const wanted = typeof verdict.checks === 'string' ? verdict.checks : verdict.checks[check.id];
    expect(check.status, `${context}: check ${check.id}`).toBe(wanted);
    expect(check.earned, context).toBe(check.status === 'passed' ? check.points : 0);
  }
  if (verdict.reason !== undefined) {
    const explained = kata.checks.filter((check) => check.status !== 'passed').map((check) => check.message);
    for (const text of kata.reason === null ? explained : [kata.reason]) expect(text, context).toMatch(verdict.reason);
  }
  if (verdict.redFlags !== undefined) expect(kata.redFlags, context).toHaveLength(verdict.redFlags);
  const echo = report.katas.find((entry) => entry.slug === 'echo')!;
  expect(echo.status, `${hostile.name}: the bystander kata`).toBe(hostile.bystander ? 'passed' : 'not-attempted');
}

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('the grader against the hostile corpus', () => {
  let result: GradeResult;
  const started = performance.now();
  let seconds = 0;

  beforeAll(async () => {
    result = await gradeWithSecrets(targetsFor(corpus, 'candidates', true), {});
    seconds = (performance.now() - started) / 1000;
  }, 240_000);

  for (const hostile of corpus) {
    test(hostile.name, () => {
      const report = result.reports.find((entry) => entry.candidate.name === hostile.name)!;
      const isolated = report.grader.isolation === 'namespaces';
      expectVerdict(report, hostile, isolated ? hostile.expect : (hostile.withoutNamespaces ?? hostile.expect));
    });
  }

  test('grades the control candidate in the same batch in full', () => {
    const control = result.reports.find((entry) => entry.candidate.name === 'control')!;
    expect(control.katas.map((kata) => [kata.slug, kata.status, kata.score, kata.max])).toEqual([
      ['tally', 'passed', 4, 4],
      ['echo', 'passed', 1, 1],
    ]);
    expect(control.warnings).toEqual([]);
  });

  test('writes a report that survives a round trip through JSON', () => {
    const parsed = JSON.parse(JSON.stringify(result.batch)) as typeof result.batch;
    expect(parsed.candidates).toHaveLength(corpus.length + 1);
    expect(parsed.ranking[0]?.name).toBe('control');
  });

  test('leaves no process a submission started running', () => {
    expect(lingering()).toEqual([]);
  });

  test("leaves the grader's own files as they were", () => {
    for (const [path, content] of graderFiles)
      expect(readFileSync(join(graderRoot, path!), 'utf8'), path).toBe(content);
  });

  test('grades the whole corpus in well under a minute', () => {
    expect(seconds).toBeLessThan(120);
  });
});

describe.runIf(namespacesWork())('the grader without namespaces (a process group per run)', () => {
  const names = ['edit-spec-on-disk', 'load-reference-at-run-time', 'detached-children', 'kill-parent'];
  const cases = corpus.filter((hostile) => names.includes(hostile.name));
  let result: GradeResult;

  beforeAll(async () => {
    result = await gradeWithSecrets(targetsFor(cases, 'fallback', false), { isolation: 'process-group' });
  }, 120_000);

  for (const hostile of cases) {
    test(hostile.name, () => {
      const report = result.reports.find((entry) => entry.candidate.name === hostile.name)!;
      expect(report.grader.isolation).toBe('process-group');
      expectVerdict(report, hostile, hostile.withoutNamespaces ?? hostile.expect);
    });
  }

  test("puts back the grader's files a submission edited, and says so", () => {
    for (const [path, content] of graderFiles)
      expect(readFileSync(join(graderRoot, path!), 'utf8'), path).toBe(content);
    const warnings = result.reports[0]!.warnings.join('\n');
    expect(warnings).toMatch(/harness\/kit\/spec\.ts changed while candidate code ran; it was restored/);
    expect(warnings).toMatch(/katas\/tally\/spec\.ts changed/);
  });

  test('kills what a submission detached, even without a PID namespace', () => {
    expect(lingering()).toEqual([]);
  });
});
