/**
 * `npm run gallery:exact -- <slug>`: does each wrong file break its one rule and nothing else, and
 * does each check declare every rule it proves? Runs EVERY check against every wrong file (the
 * gallery runs only the checks a header names) and reports, per wrong file:
 *
 * - checks that fail but do not declare the rule the file violates: either the check proves that
 *   rule too (add it to the check's `rules`) or the file breaks another rule as well (fix the file);
 * - checks that fail and declare the rule but are missing from `Rejected by:` (worth naming).
 *
 * Checks run in this process, one at a time, with the seeds the gallery uses. Exits 1 when a wrong
 * file fails a check that does not declare its rule. Slow by design: not part of `npm test`.
 */
import { readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findKata, harnessRoot, loadSpec } from '../catalog/catalog.ts';
import { parseWrongHeader } from '../catalog/wrong-header.ts';
import { createCheckContext } from '../kit/context.ts';
import { surfaceNotImplemented, toError } from '../kit/errors.ts';
import { seedForCheck } from '../kit/seed.ts';
import { collectChecks, type CheckBody, type ResolvedCheck } from '../kit/spec.ts';

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

async function main(args: readonly string[]): Promise<number> {
  const slug = args.find((arg) => !arg.startsWith('-'));
  if (slug === undefined) {
    console.error('usage: npm run gallery:exact -- <slug> [--only wrong-file-name,...]');
    return 2;
  }
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
  const onlyArg = args[args.indexOf('--only') + 1];
  const only = args.includes('--only') ? new Set((onlyArg ?? '').split(',')) : undefined;
  process.on('unhandledRejection', () => undefined);

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
    console.log(
      `${verdict.padEnd(5)} wrong/${name}.ts (violates ${violates ?? '?'}): fails ${failing.length} check(s)`,
    );
    for (const { id, reason } of foreign) {
      defects++;
      console.log(`      ${id} fails but does not declare ${violates ?? 'the rule'}: ${reason.slice(0, 160)}`);
    }
    for (const id of missed) {
      defects++;
      console.log(`      ${id} is named in "Rejected by" but passes`);
    }
    if (unnamed.length > 0) console.log(`      also rejected by: ${unnamed.map(({ id }) => id).join(', ')}`);
  }
  console.log(defects === 0 ? 'every wrong file breaks only the rule it names' : `${defects} problem(s)`);
  return defects === 0 ? 0 : 1;
}

process.exit(await main(process.argv.slice(2)));
