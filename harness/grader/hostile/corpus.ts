/**
 * The hostile corpus: submissions that try to crash, hang, flood, fool or cheat the grader, each
 * with the verdict the grader must reach. They attack the fixture kata `tally` (fixture/tally), whose
 * checks are `counts-words` (2 points), `empty-input` and `rejects-non-arrays`; a case that
 * misbehaves "in a call" does so on empty input only, so `empty-input` is the affected check and
 * the other two must still be graded normally. harness/grader/hostile.test.ts grades them all as
 * one batch.
 */
import type { CheckStatus, KataStatus } from '../report.ts';

export type CaseSource =
  /** A file of cases/, with __GRADER_ROOT__ replaced by the grader's root. */
  | { readonly file: string }
  /** Source text that cannot live in a .ts file of this repository (it does not compile). */
  | { readonly text: string }
  /** katas/tally/index.ts is a symbolic link to the grader's reference solution. */
  | { readonly link: 'reference' }
  /** katas/tally itself is a symbolic link to the grader's solutions/tally folder. */
  | { readonly link: 'reference-folder' }
  /** katas/tally/index.ts is the untouched stub. */
  | { readonly stub: true }
  /** There is no katas/tally/index.ts. */
  | { readonly missing: true };

export interface HostileCase {
  readonly name: string;
  readonly source: CaseSource;
  readonly expect: {
    readonly status: KataStatus | readonly KataStatus[];
    /** One status for every check, or one per check id. */
    readonly checks: CheckStatus | Readonly<Record<string, CheckStatus>>;
    /** Must match the kata's reason, or the message of every check that did not pass. */
    readonly reason?: RegExp;
    /** How many distinct red flags the kata raises. Default: not checked. */
    readonly redFlags?: number;
  };
  /** Grade the bystander kata `echo` in the same checkout too: it must pass. */
  readonly bystander?: boolean;
  /** The verdict when runs are isolated by a process group only (no Linux namespaces), if different. */
  readonly withoutNamespaces?: HostileCase['expect'];
}

const only = (failing: CheckStatus): Record<string, CheckStatus> => ({
  'counts-words': 'passed',
  'empty-input': failing,
  'rejects-non-arrays': 'passed',
});

export const corpus: readonly HostileCase[] = [
  {
    name: 'loop-at-import',
    source: { file: 'loop-at-import.ts' },
    expect: { status: 'error', checks: 'error', reason: /loading the module did not finish within/ },
  },
  {
    name: 'loop-in-call',
    source: { file: 'loop-in-call.ts' },
    expect: { status: 'partial', checks: only('failed'), reason: /did not finish within .* the process was stopped/ },
  },
  {
    name: 'never-settles-at-import',
    source: { file: 'never-settles-at-import.ts' },
    expect: { status: 'error', checks: 'error', reason: /loading the module did not finish within/ },
  },
  {
    name: 'never-settles-in-call',
    source: { file: 'never-settles-in-call.ts' },
    expect: { status: 'partial', checks: only('failed'), reason: /did not finish within [\d.]+ s \(its time limit\)/ },
  },
  {
    name: 'exit-at-import',
    source: { file: 'exit-at-import.ts' },
    expect: { status: 'error', checks: 'error', reason: /process\.exit unexpectedly called with "0"/ },
  },
  {
    name: 'exit-in-call',
    source: { file: 'exit-in-call.ts' },
    expect: { status: 'partial', checks: only('failed'), reason: /process\.exit unexpectedly called with "1"/ },
  },
  {
    name: 'really-exit-at-import',
    source: { file: 'really-exit-at-import.ts' },
    expect: { status: 'error', checks: 'error', reason: /died while loading the module/ },
  },
  {
    name: 'really-exit-in-call',
    source: { file: 'really-exit-in-call.ts' },
    expect: { status: 'partial', checks: only('failed'), reason: /test process exited in the middle of it/ },
  },
  {
    name: 'throw-at-import',
    source: { file: 'throw-at-import.ts' },
    expect: {
      status: 'error',
      checks: 'error',
      reason: /^katas\/tally\/index\.ts failed to load: boom at import$/,
      redFlags: 0,
    },
  },
  {
    name: 'syntax-error',
    source: { text: 'export function tally(words: string[] {\n  return new Map();\n}\n' },
    // The compiler's message, where, and its code frame, once: the checks carry the first line.
    expect: {
      status: 'error',
      checks: 'error',
      reason:
        /^katas\/tally\/index\.ts does not compile: Expected "\)" but found "\{" \(katas\/tally\/index\.ts:1:39\)(\n\n1 │ export function tally\(words: string\[\] \{\n {2}│ {39}\^[^]*)?$/,
      redFlags: 0,
    },
  },
  {
    name: 'wrong-export-name',
    source: { text: 'export function countWords(words: string[]): Map<string, number> {\n  return new Map();\n}\n' },
    expect: {
      status: 'error',
      checks: 'error',
      reason: /^katas\/tally\/index\.ts does not export a function tally \(it exports countWords\)$/,
      redFlags: 0,
    },
  },
  {
    name: 'empty-file',
    source: { text: '' },
    expect: {
      status: 'error',
      checks: 'error',
      reason: /^katas\/tally\/index\.ts does not export a function tally \(it exports nothing\)$/,
      redFlags: 0,
    },
  },
  {
    name: 'class-for-a-function',
    source: { text: 'export class tally {\n  constructor(readonly words: string[]) {}\n}\n' },
    expect: {
      status: 'error',
      checks: 'error',
      reason: /^katas\/tally\/index\.ts exports tally as a class, not a function$/,
      redFlags: 0,
    },
  },
  {
    name: 'reference-error-in-call',
    // counts-words raises a red flag when it fails on behaviour; a ReferenceError is a bug, not behaviour.
    source: {
      text: 'export function tally(words: string[]): Map<string, number> {\n  if (words.length > 0) return countInto(words);\n  return new Map();\n}\n',
    },
    expect: {
      status: 'partial',
      checks: { 'counts-words': 'failed', 'empty-input': 'passed', 'rejects-non-arrays': 'passed' },
      reason: /^the code threw ReferenceError: countInto is not defined \(at katas\/tally\/index\.ts:2\)$/,
      redFlags: 0,
    },
  },
  {
    name: 'heap-bomb',
    source: { file: 'heap-bomb.ts' },
    expect: { status: 'partial', checks: only('failed'), reason: /JavaScript heap|MB of memory, over its/ },
  },
  {
    name: 'buffer-bomb',
    source: { file: 'buffer-bomb.ts' },
    expect: { status: 'partial', checks: only('failed'), reason: /MB of memory, over its \d+ MB limit/ },
    bystander: true,
  },
  {
    name: 'output-flood',
    source: { file: 'output-flood.ts' },
    expect: { status: 'passed', checks: 'passed' },
  },
  {
    name: 'fake-report',
    source: { file: 'fake-report.ts' },
    expect: {
      status: 'partial',
      checks: { 'counts-words': 'failed', 'empty-input': 'passed', 'rejects-non-arrays': 'failed' },
      reason: /tally\(/,
    },
  },
  {
    name: 'expect-extend',
    source: { file: 'expect-extend.ts' },
    expect: {
      status: 'disqualified',
      checks: 'error',
      reason: /imports "vitest": the test tooling is not for submissions/,
    },
  },
  {
    name: 'expect-extend-hidden',
    source: { file: 'expect-extend-hidden.ts' },
    expect: { status: 'error', checks: 'error', reason: /tampered with/ },
  },
  {
    name: 'chai-assertion',
    source: { file: 'chai-assertion.ts' },
    expect: { status: 'error', checks: 'error', reason: /tampered with/ },
  },
  {
    name: 'object-is',
    source: { file: 'object-is.ts' },
    expect: { status: 'error', checks: 'error', reason: /tampered with/ },
  },
  {
    name: 'edit-spec-on-disk',
    source: { file: 'edit-spec-on-disk.ts' },
    expect: {
      status: 'partial',
      checks: { 'counts-words': 'failed', 'empty-input': 'passed', 'rejects-non-arrays': 'failed' },
    },
    bystander: true,
  },
  {
    name: 'detached-children',
    source: { file: 'detached-children.ts' },
    expect: { status: 'passed', checks: 'passed' },
  },
  {
    name: 'load-reference',
    source: { file: 'load-reference.ts' },
    expect: {
      status: 'disqualified',
      checks: 'error',
      reason: /imports "..\/..\/solutions\/tally\/index.ts", outside its kata folder/,
    },
  },
  {
    name: 'load-reference-at-run-time',
    source: { file: 'load-reference-at-run-time.ts' },
    // vite's module graph gives it away, whether the sandbox hid the file (the import failed) or not.
    expect: {
      status: 'disqualified',
      checks: 'error',
      reason: /tried to load .*solutions\/tally\/index\.ts at run time, outside its own files/,
    },
  },
  {
    name: 'library-does-the-work',
    source: { file: 'library-does-the-work.ts' },
    expect: {
      status: 'disqualified',
      checks: 'error',
      reason: /imports "p-retry", a package the grader does not provide/,
    },
  },
  {
    name: 'kill-parent',
    source: { file: 'kill-parent.ts' },
    // In a PID namespace vitest's process is the namespace's init, which ignores the signal.
    expect: { status: 'passed', checks: 'passed' },
    // Without one the run dies with no report. The orphaned worker runs on for a moment, so which
    // check was running cannot be told reliably: every check is an error, none a pass.
    withoutNamespaces: { status: 'error', checks: 'error', reason: /ended \(SIGKILL\) without a report/ },
  },
  {
    name: 'reads-secrets',
    source: { file: 'reads-secrets.ts' },
    expect: { status: 'passed', checks: 'passed' },
  },
  {
    name: 'symlink-to-reference',
    source: { link: 'reference' },
    expect: { status: 'error', checks: 'error', reason: /is a symbolic link/ },
  },
  {
    name: 'linked-kata-folder',
    source: { link: 'reference-folder' },
    expect: {
      status: 'error',
      checks: 'error',
      reason: /lies outside the submission's folder \(through a linked folder/,
    },
  },
  {
    name: 'untouched-stub',
    source: { stub: true },
    expect: { status: 'not-attempted', checks: 'not-attempted', reason: /identical to the stub/ },
  },
  {
    name: 'no-file',
    source: { missing: true },
    expect: { status: 'not-attempted', checks: 'not-attempted', reason: /there is no katas\/tally\/index\.ts/ },
  },
];
