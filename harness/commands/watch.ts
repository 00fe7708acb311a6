/** `kata watch [slug]`: reruns the spec every time the candidate saves their file. */
import { watch } from 'node:fs';
import { findKata, listKatas, type Kata } from '../catalog/catalog.ts';
import { parseCommandArgs, UsageError, type Command, type CommandContext } from './command.ts';
import { statusOfKatas } from './kata-status.ts';
import { suggestNext } from './list.ts';
import { loadProgress } from './progress.ts';
import { parseSelection, testKata, testOptions, type TestSelection } from './test.ts';

/** Editors save in bursts (write, rename, chmod): wait for the burst to end before running. */
const DEBOUNCE_MS = 150;

export const watchCommand: Command = {
  name: 'watch',
  summary: 'rerun a kata on every save (default: the next kata you have not passed)',
  usage: 'kata watch [slug] [--only check-id,...] [--seed N] [--thorough]',
  async run(args, context) {
    const { values, positionals } = parseCommandArgs('watch', args, testOptions, true, context.invocation);
    if (positionals.length > 1)
      throw new UsageError(`kata watch: expected at most one kata slug, received ${positionals.length}`);
    const kata = positionals[0] === undefined ? await nextKata(context) : findKata(positionals[0], context.root);
    const selection = await parseSelection('watch', kata, values);
    await watchKata(kata, selection, context, new AbortController().signal);
    return 0;
  },
};

async function nextKata(context: CommandContext): Promise<Kata> {
  const katas = listKatas(context.root);
  const statuses = await statusOfKatas(context.root, katas, loadProgress(context.root));
  const next = suggestNext(katas, statuses) ?? katas[0];
  if (next === undefined) throw new UsageError('kata watch: there are no katas in this repository');
  return next;
}

/** Runs once, then again after every save, until `signal` aborts. */
export async function watchKata(
  kata: Kata,
  selection: TestSelection,
  context: CommandContext,
  signal: AbortSignal,
): Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  const runOnce = async (): Promise<void> => {
    if (context.interactive) context.out('\u001bc');
    await testKata(kata, selection, context, true);
    context.out(context.palette.dim(`\nWatching katas/${kata.slug}/index.ts; save to rerun, Ctrl+C to stop.`));
  };
  const trigger = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = runOnce()
      .catch((error: unknown) => context.err(`kata watch: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          trigger();
        }
      });
  };

  trigger();
  let timer: NodeJS.Timeout | undefined;
  // Watch the folder, not the file: editors that save by rename replace the file's inode.
  const watcher = watch(kata.dir, (_event, filename) => {
    if (filename !== null && filename !== 'index.ts') return;
    clearTimeout(timer);
    timer = setTimeout(trigger, DEBOUNCE_MS);
  });
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
    process.once('SIGINT', () => resolve());
  });
  clearTimeout(timer);
  watcher.close();
  await running;
}
