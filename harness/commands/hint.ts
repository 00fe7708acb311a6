/** `kata hint <slug>`: the next hint, remembering how many were shown. */
import { findKata } from '../catalog/catalog.ts';
import { commandLine, parseCommandArgs, UsageError, type Command } from './command.ts';
import { loadProgress, saveProgress } from './progress.ts';

export const hintCommand: Command = {
  name: 'hint',
  summary: 'show the next hint for a kata (they go from gentle to nearly the answer)',
  usage: 'kata hint <slug> [--all]',
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(
      'hint',
      args,
      { all: { type: 'boolean' } },
      true,
      context.invocation,
    );
    if (positionals.length !== 1)
      throw new UsageError(`kata hint: expected one kata slug, received ${positionals.length}`);
    const kata = findKata(positionals[0]!, context.root);
    const hints = kata.manifest.hints;
    const progress = loadProgress(context.root);
    const shown = progress.hintsShown[kata.slug] ?? 0;
    const { palette } = context;

    if (values.all) {
      if (shown === 0)
        context.out(
          `No hints shown for ${kata.slug} yet: ${palette.accent(commandLine(context, `hint ${kata.slug}`))} shows the first.`,
        );
      hints
        .slice(0, shown)
        .forEach((hint, index) => context.out(`${palette.bold(`Hint ${index + 1} of ${hints.length}:`)} ${hint}`));
      return 0;
    }
    if (shown >= hints.length) {
      context.out(`${palette.bold(`Hint ${hints.length} of ${hints.length}:`)} ${hints[hints.length - 1]}`);
      context.out(
        palette.dim(
          `That was the last hint. ${palette.accent(commandLine(context, `solution ${kata.slug}`))} shows the reference and its notes.`,
        ),
      );
      return 0;
    }
    progress.hintsShown[kata.slug] = shown + 1;
    saveProgress(context.root, progress);
    context.out(`${palette.bold(`Hint ${shown + 1} of ${hints.length}:`)} ${hints[shown]}`);
    if (shown + 1 < hints.length)
      context.out(palette.dim(`Run it again for the next one; ${'`'}--all${'`'} repeats those shown.`));
    return 0;
  },
};
