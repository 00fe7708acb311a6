/** `kata solution <slug>`: the reference solution and its notes, after a spoiler confirmation. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { parseWrongHeader } from '../catalog/wrong-header.ts';
import { findKata } from '../catalog/catalog.ts';
import { commandLine, parseCommandArgs, UsageError, type Command } from './command.ts';

export const solutionCommand: Command = {
  name: 'solution',
  summary: "show a kata's reference solution, its notes and the known-wrong gallery (spoilers)",
  usage: 'kata solution <slug> [--yes]',
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(
      'solution',
      args,
      { yes: { type: 'boolean', short: 'y' } },
      true,
      context.invocation,
    );
    if (positionals.length !== 1)
      throw new UsageError(`kata solution: expected one kata slug, received ${positionals.length}`);
    const kata = findKata(positionals[0]!, context.root);
    const { palette } = context;

    if (!values.yes) {
      if (!context.interactive) {
        throw new UsageError(
          'kata solution: this shows the answer; pass --yes to confirm on a non-interactive terminal',
        );
      }
      const answer = await context.prompt(`This shows the reference solution for ${kata.slug}. Continue? [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) {
        context.out('Nothing shown. Try a hint first: ' + palette.accent(commandLine(context, `hint ${kata.slug}`)));
        return 0;
      }
    }

    const show = (file: string): void => {
      context.out(palette.bold(`── ${relative(context.root, file)} ──`));
      context.out(readFileSync(file, 'utf8').trimEnd());
      context.out('');
    };
    show(kata.referenceFile);
    if (existsSync(kata.notesFile)) show(kata.notesFile);
    if (kata.variantFiles.length > 0) {
      context.out(palette.bold('Other correct approaches:'));
      for (const file of kata.variantFiles) context.out(`  ${relative(context.root, file)}`);
      context.out('');
    }
    if (kata.postgresFiles.length > 0) {
      context.out(palette.bold('On PostgreSQL (kata test ' + kata.slug + ' --db postgres):'));
      for (const file of kata.postgresFiles) context.out(`  ${relative(context.root, file)}`);
      context.out('');
    }
    const listWrong = (title: string, files: readonly string[]): void => {
      if (files.length === 0) return;
      context.out(palette.bold(title));
      for (const file of files) {
        const header = parseWrongHeader(readFileSync(file, 'utf8'), file);
        context.out(`  ${palette.fail(basename(file, '.ts'))}: ${header.bug}`);
      }
    };
    listWrong('Known-wrong solutions and why they fail:', kata.wrongFiles);
    listWrong('Wrong only on PostgreSQL (correct on SQLite):', kata.postgresWrongFiles);
    return 0;
  },
};
