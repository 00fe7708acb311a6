/**
 * How close a submission is to the reference solution (or one of its variants).
 *
 * Both are compiled by esbuild first, which drops types and comments and prints one layout, so
 * reformatting or re-commenting changes nothing. Then two measures over runs of 5 tokens:
 * - `exact`: the share of runs the two have in common (Jaccard), names kept;
 * - `structure`: the same with every name replaced by one placeholder, so renaming changes nothing.
 * A submission is "identical" when the compiled code is the same, "nearly identical" when most of
 * its runs match. Measured on this repository's katas: independent correct approaches (variants/)
 * share at most 0.38 (exact) and 0.47 (structure) with their reference; wrong/ files made from the
 * reference by changing one thing share 0.88 to 1.00. The thresholds sit between, and the flag is a
 * prompt for a conversation, never a verdict.
 */
import { transform } from 'esbuild';

export interface SimilarityVerdict {
  readonly verdict: 'identical' | 'nearly-identical';
  /** The file it resembles, relative to the grader's root. */
  readonly reference: string;
  readonly exact: number;
  readonly structure: number;
}

const GRAM = 5;
/** Below this many tokens the measures say little: tiny files look alike. */
const MINIMUM_TOKENS = 60;
export const NEARLY_IDENTICAL_EXACT = 0.7;
export const NEARLY_IDENTICAL_STRUCTURE = 0.8;

const KEYWORDS = new Set(
  (
    'await break case catch class const continue debugger default delete do else export extends false finally for ' +
    'function if import in instanceof let new null of return static super switch this throw true try typeof undefined ' +
    'var void while with yield async get set from as'
  ).split(' '),
);

const TOKEN = /[A-Za-z_$][\w$]*|\d[\w.]*|'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`|\S/g;

export async function normalise(source: string): Promise<string | undefined> {
  try {
    const result = await transform(source, { loader: 'ts', format: 'esm', legalComments: 'none', target: 'es2022' });
    return result.code;
  } catch {
    return undefined;
  }
}

function tokens(code: string): string[] {
  return code.match(TOKEN) ?? [];
}

function grams(list: readonly string[]): Set<string> {
  const result = new Set<string>();
  for (let index = 0; index + GRAM <= list.length; index++) result.add(list.slice(index, index + GRAM).join('\u0001'));
  return result;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const gram of a) if (b.has(gram)) shared++;
  return shared / (a.size + b.size - shared);
}

export interface Fingerprint {
  readonly code: string;
  readonly tokenCount: number;
  readonly exact: Set<string>;
  readonly structure: Set<string>;
}

export async function fingerprint(source: string): Promise<Fingerprint | undefined> {
  const code = await normalise(source);
  return code === undefined ? undefined : fingerprintOfCode(code);
}

/** The fingerprint of code `normalise` printed: a shard report carries that code, so a merge can compare. */
export function fingerprintOfCode(code: string): Fingerprint {
  const list = tokens(code);
  const abstracted = list.map((token) => (/^[A-Za-z_$]/.test(token) && !KEYWORDS.has(token) ? 'ID' : token));
  return { code, tokenCount: list.length, exact: grams(list), structure: grams(abstracted) };
}

export function compare(
  submission: Fingerprint,
  reference: Fingerprint,
  referenceName: string,
): SimilarityVerdict | undefined {
  const exact = jaccard(submission.exact, reference.exact);
  const structure = jaccard(submission.structure, reference.structure);
  const rounded = { exact: Math.round(exact * 100) / 100, structure: Math.round(structure * 100) / 100 };
  if (submission.code === reference.code) {
    return { verdict: 'identical', reference: referenceName, ...rounded };
  }
  if (Math.min(submission.tokenCount, reference.tokenCount) < MINIMUM_TOKENS) return undefined;
  if (exact >= NEARLY_IDENTICAL_EXACT || structure >= NEARLY_IDENTICAL_STRUCTURE) {
    return { verdict: 'nearly-identical', reference: referenceName, ...rounded };
  }
  return undefined;
}
