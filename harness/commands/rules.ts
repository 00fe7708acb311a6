/** `kata rules <slug>`: the kata's rule ledger, each rule with the checks and wrong files behind it. */
import { findKata } from '../catalog/catalog.ts';
import { readLedger, type Ledger } from '../catalog/ledger.ts';
import { wrap } from '../grader/render/text.ts';
import { parseCommandArgs, UsageError, widthOf, type Command } from './command.ts';
import type { Palette } from './palette.ts';

export const rulesCommand: Command = {
  name: 'rules',
  summary: "a kata's rules, with the checks that prove each one and the wrong files that break it",
  usage: 'kata rules <slug> [--json]',
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(
      'rules',
      args,
      { json: { type: 'boolean' } },
      true,
      context.invocation,
    );
    if (positionals.length !== 1) {
      throw new UsageError(`kata rules: expected one kata slug, received ${positionals.length}`);
    }
    const ledger = await readLedger(findKata(positionals[0]!, context.root));
    if (values.json) {
      const { slug, rules, problems } = ledger;
      context.out(
        JSON.stringify({ slug, complete: ledger.present && problems.length === 0, rules, problems }, null, 2),
      );
    } else {
      context.out(renderLedger(ledger, context.palette, widthOf(context)));
    }
    return ledger.present && ledger.problems.length === 0 ? 0 : 1;
  },
};

export function renderLedger(ledger: Ledger, palette: Palette, width = 80): string {
  if (!ledger.present) {
    return `${palette.bold(ledger.slug)} has no rule ledger yet: its kata.json lists no "rules".`;
  }
  const lines: string[] = [];
  const complete = ledger.problems.length === 0;
  lines.push(
    `${palette.bold(ledger.slug)}: ${ledger.rules.length} rules, ${
      complete
        ? palette.pass('each proved by a check and broken by a wrong file')
        : palette.fail(`${ledger.problems.length} gap(s)`)
    }`,
  );
  for (const rule of ledger.rules) {
    const mark = rule.checks.length > 0 && rule.wrong.length > 0 ? palette.marks.pass : palette.marks.fail;
    lines.push('');
    lines.push(`${mark} ${palette.bold(rule.id)}`);
    lines.push(...wrap(rule.text, width, '    '));
    const checks = rule.checks.length > 0 ? rule.checks.join(', ') : palette.fail('none');
    const wrong = rule.wrong.length > 0 ? rule.wrong.join(', ') : palette.fail('none');
    lines.push(...wrap(`checks: ${checks}`, width, palette.dim('    '), '      '));
    lines.push(...wrap(`wrong: ${wrong}`, width, palette.dim('    '), '      '));
  }
  if (!complete) {
    lines.push('', palette.fail(`Gaps (${ledger.problems.length}):`));
    for (const problem of ledger.problems) lines.push(...wrap(problem, width, '  - ', '    '));
  }
  return lines.join('\n');
}
