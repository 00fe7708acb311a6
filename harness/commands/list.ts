/** `kata` and `kata list`: every kata with its difficulty, the candidate's status and its databases. */
import { listKatas, type Kata } from '../catalog/catalog.ts';
import { supportedDatabases } from '../catalog/manifest.ts';
import { padEnd, unbroken, visibleLength, wrap } from '../grader/render/text.ts';
import { commandLine, parseCommandArgs, UsageError, widthOf, type Command } from './command.ts';
import { statusOfKatas, type KataStatus } from './kata-status.ts';
import type { Palette } from './palette.ts';
import { loadProgress, saveProgress } from './progress.ts';

export function describeStatus(status: KataStatus | undefined, palette: Palette): string {
  switch (status?.kind) {
    case 'passing':
      return `${palette.marks.pass} ${palette.pass(`passing (${status.total} checks)`)}`;
    case 'failing':
      return `${palette.marks.fail} ${palette.fail(`failing ${status.total - status.passed} of ${status.total}`)}`;
    case 'error':
      return `${palette.marks.fail} ${palette.fail('does not run')}`;
    case 'missing':
      return `${palette.marks.fail} ${palette.warn('index.ts missing')}`;
    case 'not-started':
    case undefined:
      return `${palette.marks.todo} ${palette.dim('not started')}`;
  }
}

/** The first kata, in catalogue order, that is not passing yet. */
export function suggestNext(katas: readonly Kata[], statuses: ReadonlyMap<string, KataStatus>): Kata | undefined {
  return katas.find((kata) => statuses.get(kata.slug)?.kind !== 'passing');
}

export const listCommand: Command = {
  name: 'list',
  summary: 'every kata with its difficulty, your status and the databases its spec runs on, and what to do next',
  usage: 'kata list',
  async run(args, context) {
    const { positionals } = parseCommandArgs('list', args, {}, true, context.invocation);
    if (positionals.length > 0)
      throw new UsageError(`kata list: takes no arguments, received ${positionals.join(' ')}`);
    const katas = listKatas(context.root);
    const progress = loadProgress(context.root);
    const statuses = await statusOfKatas(context.root, katas, progress);
    saveProgress(context.root, progress);

    const { palette } = context;
    const slugWidth = Math.max(4, ...katas.map((kata) => kata.slug.length));
    const described = katas.map((kata) => describeStatus(statuses.get(kata.slug), palette));
    // Last, so the columns people read first keep their place; status is padded by what shows.
    const statusWidth = Math.max(6, ...described.map(visibleLength));
    context.out(
      palette.bold(
        `${' #'}  ${'kata'.padEnd(slugWidth)}  ${'level'.padEnd(6)}  ${'status'.padEnd(statusWidth)}  databases`,
      ),
    );
    katas.forEach((kata, index) => {
      const number = String(index + 1).padStart(2);
      const databases = palette.dim(supportedDatabases(kata.manifest).join(', '));
      context.out(
        `${number}  ${kata.slug.padEnd(slugWidth)}  ${kata.manifest.difficulty.padEnd(6)}  ${padEnd(described[index]!, statusWidth)}  ${databases}`,
      );
      for (const line of wrap(kata.manifest.summary, widthOf(context), '    ')) context.out(palette.dim(line));
    });
    const next = suggestNext(katas, statuses);
    context.out('');
    const line =
      next === undefined
        ? `Every kata passes. Compare approaches in solutions/, or grade yourself: ${palette.accent(unbroken(commandLine(context, 'grade')))}.`
        : `Next: ${palette.bold(next.manifest.title)}: read katas/${next.slug}/README.md, then ${palette.accent(unbroken(commandLine(context, `watch ${next.slug}`)))}.`;
    for (const wrapped of wrap(line, widthOf(context), '')) context.out(wrapped);
    return 0;
  },
};
