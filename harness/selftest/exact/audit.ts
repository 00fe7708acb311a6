/**
 * The audit behind `npm run gallery:exact -- <slug>`: does each wrong file break its one rule and
 * nothing else, and does each check declare every rule it proves? Runs EVERY check against every
 * wrong file (the gallery runs only the checks a header names) and reports, per wrong file:
 *
 * - checks that fail but do not declare the rule the file violates: either the check proves that
 *   rule too (add it to the check's `rules`) or the file breaks another rule as well (fix the file);
 * - checks that fail and declare the rule but are missing from `Rejected by:` (worth naming).
 *
 * Checks run one at a time, with the seeds the gallery uses, inside a vitest worker (audit.entry.ts):
 * a spec may use `vi` (fake timers), which works only there.
 */
import { readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findKata, harnessRoot, loadSpec } from '../../catalog/catalog.ts';
import { parseWrongHeader } from '../../catalog/wrong-header.ts';
import { createCheckContext } from '../../kit/context.ts';
import { surfaceNotImplemented, toError } from '../../kit/errors.ts';
import { seedForCheck } from '../../kit/seed.ts';
import { collectChecks, type CheckBody, type ResolvedCheck } from '../../kit/spec.ts';

interface Entry {
  readonly check: ResolvedCheck;
  readonly body: CheckBody<unknown>;
}

async function runCheck(slug: string, entry: Entry, impl: unknown, file: string): Promise<string | undefined> {
  const context = createCheckContext(impl, file, seedForCheck(slug, entry.check.id), { onRandomised: () => undefined });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`did not finish within ${entry.check.timeoutMs} ms`)),
      entry.check.timeoutMs,
    );
  });
  try {
    await Promise.race([surfaceNotImplemented(() => entry.body(context)), deadline]);
    return undefined;
  } catch (error) {
    return toError(error).message.split('\n')[0] ?? '';
  } finally {
    clearTimeout(timer);
  }
}

export interface AuditReport {
  /** What to print, a line each. */
  readonly lines: readonly string[];
  /** Checks that fail a wrong file without declaring its rule, and named checks that pass it. */
  readonly defects: number;
}

export async function auditGallery(slug: string, only: ReadonlySet<string> | undefined): Promise<AuditReport> {
  const lines: string[] = [];
  const kata = findKata(slug);
  const spec = await loadSpec(kata);
  const checks = collectChecks(spec);
  const byId = new Map(checks.map((check) => [check.id, check]));
  const entries: Entry[] = [];
  spec.define({
    check(definition, body) {
      entries.push({ check: byId.get(definition.id)!, body: body as CheckBody<unknown> });
    },
  });

  let defects = 0;
  for (const file of kata.wrongFiles) {
    const name = basename(file, '.ts');
    if (only !== undefined && !only.has(name)) continue;
    const header = parseWrongHeader(readFileSync(file, 'utf8'), relative(harnessRoot, file));
    const impl: unknown = await import(pathToFileURL(file).href);
    const failing: { id: string; reason: string }[] = [];
    for (const entry of entries) {
      const reason = await runCheck(slug, entry, impl, file);
      if (reason !== undefined) failing.push({ id: entry.check.id, reason });
    }
    const violates = header.violates;
    const foreign = failing.filter(({ id }) => violates === undefined || !byId.get(id)!.rules.includes(violates));
    const unnamed = failing.filter(({ id }) => !header.rejectedBy.includes(id) && !foreign.some((f) => f.id === id));
    const missed = header.rejectedBy.filter((id) => !failing.some((f) => f.id === id));
    const verdict = foreign.length === 0 && missed.length === 0 ? 'ok' : 'CHECK';
    lines.push(`${verdict.padEnd(5)} wrong/${name}.ts (violates ${violates ?? '?'}): fails ${failing.length} check(s)`);
    for (const { id, reason } of foreign) {
      defects++;
      lines.push(`      ${id} fails but does not declare ${violates ?? 'the rule'}: ${reason.slice(0, 160)}`);
    }
    for (const id of missed) {
      defects++;
      lines.push(`      ${id} is named in "Rejected by" but passes`);
    }
    if (unnamed.length > 0) lines.push(`      also rejected by: ${unnamed.map(({ id }) => id).join(', ')}`);
  }
  lines.push(defects === 0 ? 'every wrong file breaks only the rule it names' : `${defects} problem(s)`);
  return { lines, defects };
}
