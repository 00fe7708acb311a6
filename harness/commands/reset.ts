/** `kata reset <slug>`: restores the stub, keeping a backup of the candidate's file. */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findKata } from '../catalog/catalog.ts';
import { commandLine, parseCommandArgs, UsageError, type Command } from './command.ts';
import { isUntouched } from './kata-status.ts';

export const resetCommand: Command = {
  name: 'reset',
  summary: 'restore the stub of a kata, keeping a backup of your file in .kata/backups/',
  usage: 'kata reset <slug>',
  async run(args, context) {
    const { positionals } = parseCommandArgs('reset', args, {}, true, context.invocation);
    if (positionals.length !== 1)
      throw new UsageError(`kata reset: expected one kata slug, received ${positionals.length}`);
    const kata = findKata(positionals[0]!, context.root);
    const work = relative(context.root, kata.workFile);

    if (existsSync(kata.workFile)) {
      if (isUntouched(kata)) {
        context.out(`${work} is already the untouched stub; nothing to do.`);
        return 0;
      }
      const backupDir = join(context.root, '.kata', 'backups', kata.slug);
      mkdirSync(backupDir, { recursive: true });
      const backup = join(backupDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.ts`);
      copyFileSync(kata.workFile, backup);
      context.out(`Saved your file to ${relative(context.root, backup)}.`);
    }
    copyFileSync(kata.stubFile, kata.workFile);
    context.out(
      `Restored ${work} to the stub. Start again with ${context.palette.accent(commandLine(context, `watch ${kata.slug}`))}.`,
    );
    return 0;
  },
};
