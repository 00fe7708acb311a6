/** `kata watch [slug]`: reruns the spec every time the candidate saves their file. */
import { watch } from 'node:fs';
import { findKata, listKatas, type Kata } from '../catalog/catalog.ts';
import { supportedDatabases } from '../catalog/manifest.ts';
import type { Dialect } from '../kit/db/types.ts';
import { parseCommandArgs, UsageError, type Command, type CommandContext } from './command.ts';
import { statusOfKatas } from './kata-status.ts';
import { suggestNext } from './list.ts';
import { loadProgress } from './progress.ts';
import {
  checkEngineSupported,
  moduleCacheOf,
  parseEngine,
  parseSelection,
  testKata,
  testOptions,
  type TestSelection,
} from './test.ts';
import type { KataRun } from '../runner/outcomes.ts';
import { WarmRunner } from '../runner/warm.ts';

/**
 * Editors save in bursts (write, rename, chmod), a few milliseconds apart: wait for the burst to
 * end before running. Every millisecond here is one the candidate waits for each verdict.
 */
const DEBOUNCE_MS = 50;

export const watchCommand: Command = {
  name: 'watch',
  summary: 'rerun a kata on every save (default: the next kata you have not passed)',
  usage: [
    'kata watch [slug] [--only check-id,...] [--seed N] [--thorough] [--db sqlite|postgres]',
    '  --db postgres reruns the spec on PostgreSQL as `kata test --db postgres` does; without a slug,',
    '  the next kata whose kata.json "databases" lists it. Default: sqlite.',
  ].join('\n'),
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(
      'watch',
      args,
      { ...testOptions, db: { type: 'string' } },
      true,
      context.invocation,
    );
    if (positionals.length > 1)
      throw new UsageError(`kata watch: expected at most one kata slug, received ${positionals.length}`);
    const engine = parseEngine('watch', values.db);
    const kata =
      positionals[0] === undefined ? await nextKata(context, engine) : findKata(positionals[0], context.root);
    if (engine !== undefined) checkEngineSupported('watch', kata, engine);
    const selection = await parseSelection('watch', kata, values);
    await watchKata(
      kata,
      { ...selection, ...(engine === undefined ? {} : { engine }) },
      context,
      new AbortController().signal,
    );
    return 0;
  },
};

/** The next kata not passed, among those whose kata.json "databases" lists `engine` (when given). */
async function nextKata(context: CommandContext, engine: Dialect | undefined): Promise<Kata> {
  const katas = listKatas(context.root).filter(
    (kata) => engine === undefined || supportedDatabases(kata.manifest).includes(engine),
  );
  const statuses = await statusOfKatas(context.root, katas, loadProgress(context.root));
  const next = suggestNext(katas, statuses) ?? katas[0];
  if (next === undefined) {
    throw new UsageError(
      engine === undefined
        ? 'kata watch: there are no katas in this repository'
        : `kata watch: no kata's kata.json "databases" lists ${engine}`,
    );
  }
  return next;
}

/** How the watch line names the engine: SQLite, the default, goes unsaid. */
function onEngine(engine: Dialect | undefined): string {
  return engine === 'postgres' ? ' on PostgreSQL' : '';
}

export interface WatchOptions {
  /**
   * Keeps a spare runner waiting between saves (runner/warm.ts), so a save costs the checks and
   * little else. Default: true; false starts every run from nothing, as `kata test` does.
   */
  readonly warm?: boolean;
  /** Called with every run, once its report is printed (tests, the feedback bench). */
  readonly onRun?: (run: KataRun, info: RunInfo) => void;
}

export interface RunInfo {
  /** Whether the run's first attempt ran in a spare. */
  readonly warm: boolean;
  /** Resolves once the next run's spare has vitest, the kit and the spec loaded (at once when not warm). */
  readonly ready: () => Promise<void>;
}

/** Runs once, then again after every save, until `signal` aborts. */
export async function watchKata(
  kata: Kata,
  selection: TestSelection,
  context: CommandContext,
  signal: AbortSignal,
  options: WatchOptions = {},
): Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  const warm =
    options.warm === false
      ? undefined
      : new WarmRunner({
          root: context.root,
          slug: kata.slug,
          targetFile: kata.workFile,
          moduleCache: moduleCacheOf(context.root),
          ...(selection.engine === undefined ? {} : { engine: selection.engine }),
        });
  const runOnce = async (): Promise<void> => {
    if (context.interactive) context.out('\u001bc');
    if (selection.engine === 'postgres') context.out(context.palette.dim(`Running ${kata.slug} on PostgreSQL…`));
    const spare = await warm?.take();
    let run: KataRun;
    try {
      run = await testKata(kata, selection, context, true, spare?.runOptions());
    } finally {
      // Its whole group, whatever the run left behind; the next spare starts while the candidate reads.
      spare?.dispose();
      warm?.prepare();
    }
    options.onRun?.(run, { warm: spare?.claimed === true, ready: async () => warm?.whenReady() });
    context.out(
      context.palette.dim(
        `\nWatching katas/${kata.slug}/index.ts${onEngine(selection.engine)}; save to rerun, Ctrl+C to stop.`,
      ),
    );
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
  let stop: () => void = () => undefined;
  await new Promise<void>((resolve) => {
    stop = resolve;
    if (signal.aborted) resolve();
    signal.addEventListener('abort', stop, { once: true });
    process.once('SIGINT', stop);
  });
  signal.removeEventListener('abort', stop);
  process.off('SIGINT', stop);
  clearTimeout(timer);
  watcher.close();
  await running;
  await warm?.close();
}
