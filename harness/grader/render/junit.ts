/**
 * The scorecard as JUnit XML, the format GitHub test reporters, GitLab and Jenkins show natively:
 * `<testsuites>` holding a `<testsuite>` per kata (per candidate and kata in a batch) and a
 * `<testcase>` per check. A check that failed has a `<failure>` (an `<error>` when nothing could
 * be judged), its `message` the one-line reason; one not attempted or not started is `<skipped>`.
 * Points are properties: the suite's `score`, `max` and `status`, each case's `points`, `earned`,
 * `item`, `red-flag` and `seed` (testcase properties as pytest writes them; tools that read only
 * suite properties still get the kata's points).
 */
import { kataCommand } from '../../runner/replay.ts';
import type { BatchReport, CheckReport, GradeReport, KataReport } from '../report.ts';
import { replayFor } from './terminal.ts';

export interface JunitOptions {
  /** How the interviewer runs the harness, for the replay commands. Default: detected. */
  readonly invocation?: string;
}

/** Text safe in XML 1.0: no characters the format forbids (control characters, lone surrogates). */
function xmlText(text: string): string {
  return text
    .replace(
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g,
      (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
    )
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function attr(text: string | number): string {
  return xmlText(String(text))
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function seconds(ms: number | null): string {
  return ((ms ?? 0) / 1000).toFixed(3);
}

function property(name: string, value: string | number): string {
  return `<property name="${attr(name)}" value="${attr(value)}"/>`;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function counts(katas: readonly KataReport[]): Counts {
  const all = katas.flatMap((kata) => kata.checks);
  return {
    tests: all.length,
    failures: all.filter((check) => check.status === 'failed').length,
    errors: all.filter((check) => check.status === 'error').length,
    skipped: all.filter((check) => check.status === 'not-attempted' || check.status === 'not-started').length,
  };
}

function testcase(
  report: GradeReport,
  kata: KataReport,
  check: CheckReport,
  suite: string,
  invocation: string,
): string[] {
  const lines = [
    `    <testcase name="${attr(`${check.id}: ${check.title}`)}" classname="${attr(suite)}" time="${seconds(check.durationMs)}">`,
  ];
  lines.push('      <properties>');
  lines.push(`        ${property('points', check.points)}`);
  lines.push(`        ${property('earned', check.earned)}`);
  lines.push(`        ${property('item', check.item)}`);
  lines.push(`        ${property('status', check.status)}`);
  if (check.cause !== null) lines.push(`        ${property('cause', check.cause)}`);
  if (check.redFlag !== null) lines.push(`        ${property('red-flag', check.redFlag)}`);
  if (check.seed !== null) lines.push(`        ${property('seed', check.seed)}`);
  lines.push('      </properties>');
  const replay = replayFor(report, kata, check, invocation);
  const body = [
    check.message || kata.reason || check.status,
    `${check.earned} of ${check.points} points (${check.item})`,
    ...(replay === undefined ? [] : [`replay: ${replay}`]),
  ].join('\n');
  const reason = firstLine(check.message || kata.reason || check.status);
  switch (check.status) {
    case 'failed':
      lines.push(
        `      <failure message="${attr(reason)}" type="${attr(check.cause ?? 'assertion')}">${xmlText(body)}</failure>`,
      );
      break;
    case 'error':
      lines.push(
        `      <error message="${attr(reason)}" type="${attr(check.cause ?? 'error')}">${xmlText(body)}</error>`,
      );
      break;
    case 'not-attempted':
      lines.push(`      <skipped message="${attr(`not attempted: ${firstLine(kata.reason ?? '')}`)}"/>`);
      break;
    case 'not-started':
      lines.push(`      <skipped message="not started: every entry point still throws &quot;not implemented&quot;"/>`);
      break;
    case 'passed':
      break;
  }
  lines.push('    </testcase>');
  return lines;
}

function testsuites(
  reports: readonly GradeReport[],
  batch: boolean,
  generatedAt: string,
  options: JunitOptions,
): string {
  const invocation = options.invocation ?? kataCommand();
  const all = counts(reports.flatMap((report) => report.katas));
  const time = reports.flatMap((report) => report.katas).reduce((sum, kata) => sum + kata.durationMs, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kata grade" tests="${all.tests}" failures="${all.failures}" errors="${all.errors}" skipped="${all.skipped}" time="${seconds(time)}">`,
  ];
  for (const report of reports) {
    for (const kata of report.katas) {
      const suite = batch ? `${report.candidate.name}/${kata.slug}` : kata.slug;
      const own = counts([kata]);
      lines.push(
        `  <testsuite name="${attr(suite)}" tests="${own.tests}" failures="${own.failures}" errors="${own.errors}" skipped="${own.skipped}" time="${seconds(kata.durationMs)}" timestamp="${attr(generatedAt.replace(/Z$/, ''))}">`,
      );
      lines.push('    <properties>');
      lines.push(`      ${property('candidate', report.candidate.name)}`);
      lines.push(`      ${property('kata', kata.slug)}`);
      lines.push(`      ${property('status', kata.status)}`);
      lines.push(`      ${property('score', kata.score)}`);
      lines.push(`      ${property('max', kata.max)}`);
      if (kata.reason !== null) lines.push(`      ${property('reason', firstLine(kata.reason))}`);
      lines.push('    </properties>');
      for (const check of kata.checks) lines.push(...testcase(report, kata, check, suite, invocation));
      lines.push('  </testsuite>');
    }
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

export function renderJunit(report: GradeReport, options: JunitOptions = {}): string {
  return testsuites([report], false, report.generatedAt, options);
}

export function renderBatchJunit(batch: BatchReport, options: JunitOptions = {}): string {
  return testsuites(batch.candidates, true, batch.generatedAt, options);
}
