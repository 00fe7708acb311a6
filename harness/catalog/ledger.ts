/**
 * The rule ledger of a kata: every rule its README states (kata.json `rules`), the checks that
 * prove each one (a check's `rules`) and the wrong/ files that break each one (a header's
 * `Violates:`). A rule no check proves, a rule no wrong file breaks and a check that proves no
 * rule are all defects: the ledger lists them as problems, and the project's suite fails on any.
 */
import { readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { collectChecks, type ResolvedCheck } from '../kit/spec.ts';
import { harnessRoot, loadSpec, type Kata } from './catalog.ts';
import { parseWrongHeader, type WrongHeader } from './wrong-header.ts';

export interface LedgerRule {
  readonly id: string;
  readonly text: string;
  /** Ids of the checks that declare they prove this rule. */
  readonly checks: readonly string[];
  /** File names (in solutions/<slug>/wrong/) whose header says they violate this rule. */
  readonly wrong: readonly string[];
}

export interface Ledger {
  readonly slug: string;
  /** False when kata.json has no `rules` yet: nothing is enforced then. */
  readonly present: boolean;
  readonly rules: readonly LedgerRule[];
  /** Every gap or inconsistency, one sentence each. Empty when the ledger is complete. */
  readonly problems: readonly string[];
}

export interface WrongFileEntry {
  /** File name, e.g. "check-then-act.ts". */
  readonly name: string;
  readonly header: WrongHeader;
}

/** Reads a kata's spec, manifest, README and wrong/ headers, and builds its ledger. */
export async function readLedger(kata: Kata): Promise<Ledger> {
  const checks = collectChecks(await loadSpec(kata));
  const wrong = kata.wrongFiles.map((file) => ({
    name: basename(file),
    header: parseWrongHeader(readFileSync(file, 'utf8'), relative(harnessRoot, file)),
  }));
  return buildLedger(kata, checks, wrong, readFileSync(kata.readmeFile, 'utf8'));
}

export function buildLedger(
  kata: Pick<Kata, 'slug' | 'manifest'>,
  checks: readonly ResolvedCheck[],
  wrong: readonly WrongFileEntry[],
  readme: string,
): Ledger {
  const declared = kata.manifest.rules;
  if (declared === undefined) return { slug: kata.slug, present: false, rules: [], problems: [] };
  const known = new Set(declared.map((rule) => rule.id));
  const problems: string[] = [];

  for (const check of checks) {
    if (check.rules.length === 0) problems.push(`check ${check.id} proves no rule (give it \`rules: [...]\`)`);
    for (const rule of check.rules) {
      if (!known.has(rule)) problems.push(`check ${check.id} names rule ${rule}, which kata.json does not list`);
    }
  }

  const checkIds = new Set(checks.map((check) => check.id));
  const proving = new Map(checks.map((check) => [check.id, new Set(check.rules)]));
  for (const entry of wrong) {
    const { violates, rejectedBy } = entry.header;
    if (violates === undefined) {
      problems.push(`wrong/${entry.name} has no "Violates:" line naming the rule it breaks`);
      continue;
    }
    if (!known.has(violates)) {
      problems.push(`wrong/${entry.name} violates ${violates}, which kata.json does not list`);
      continue;
    }
    const unknownChecks = rejectedBy.filter((id) => !checkIds.has(id));
    if (unknownChecks.length > 0) {
      problems.push(
        `wrong/${entry.name} is "Rejected by" ${unknownChecks.join(', ')}, which the spec does not declare`,
      );
    }
    if (!rejectedBy.some((id) => proving.get(id)?.has(violates))) {
      problems.push(
        `wrong/${entry.name} violates ${violates}, but none of the checks that reject it (${rejectedBy.join(', ')}) proves that rule`,
      );
    }
  }

  const rules = declared.map((rule) => ({
    id: rule.id,
    text: rule.text,
    checks: checks.filter((check) => check.rules.includes(rule.id)).map((check) => check.id),
    wrong: wrong.filter((entry) => entry.header.violates === rule.id).map((entry) => entry.name),
  }));
  for (const rule of rules) {
    if (rule.checks.length === 0) problems.push(`rule ${rule.id} is proved by no check`);
    if (rule.wrong.length === 0) problems.push(`rule ${rule.id} is violated by no wrong/ file`);
    if (!readme.includes(`\`${rule.id}\``))
      problems.push(`rule ${rule.id} is not shown in README.md (as \`${rule.id}\`)`);
  }
  return { slug: kata.slug, present: true, rules, problems };
}
