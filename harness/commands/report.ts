/**
 * `kata report`: what to do with reports once graded.
 * - `kata report merge FILE...` puts the JSON reports of the shards of a batch (`kata grade
 *   --candidate DIR --shard i/n --json FILE` on n machines) together: one report, ranking, CSV,
 *   Markdown and JUnit, as one run over the whole folder would have written them.
 * - `kata report shard i/n FILE` prints the entries of a list of candidate repositories (one
 *   `owner/name` a line) that shard i of n grades, so each machine fetches only its own.
 */
import { readFileSync } from 'node:fs';
import { mergeShards, MergeError } from '../grader/merge.ts';
import { renderCsv } from '../grader/render/csv.ts';
import { renderBatchJunit } from '../grader/render/junit.ts';
import { renderBatchMarkdown } from '../grader/render/markdown.ts';
import { renderBatch } from '../grader/render/terminal.ts';
import { entriesInShard, parseShard, ShardError } from '../grader/shard.ts';
import { kataCommand } from '../runner/replay.ts';
import { parseCommandArgs, UsageError, widthOf, type Command, type CommandContext } from './command.ts';
import { appendStepSummary, writeOutput } from './outputs.ts';

const USAGE = [
  'kata report merge FILE... [--json FILE] [--markdown FILE] [--csv FILE] [--junit FILE]',
  'kata report shard i/n FILE',
].join('\n');

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`kata report: cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

async function merge(
  files: readonly string[],
  values: { json?: string; markdown?: string; csv?: string; junit?: string },
  context: CommandContext,
): Promise<number> {
  if (files.length === 0) {
    throw new UsageError('kata report merge: name the JSON report of every shard (kata grade --shard i/n --json FILE)');
  }
  const inputs = files.map((file) => {
    const text = readText(file, 'the shard report');
    try {
      return { file, report: JSON.parse(text) as unknown };
    } catch (error) {
      throw new UsageError(`kata report merge: ${file} is not JSON: ${(error as Error).message}`);
    }
  });
  let batch;
  try {
    batch = mergeShards(inputs);
  } catch (error) {
    if (error instanceof MergeError) throw new UsageError(`kata report merge: ${error.message}`);
    throw error;
  }
  const invocation = context.invocation ?? kataCommand();
  const written = {
    ...(values.json === undefined ? {} : { json: values.json }),
    ...(values.markdown === undefined ? {} : { markdown: values.markdown }),
    ...(values.csv === undefined ? {} : { csv: values.csv }),
  };
  context.out(renderBatch(batch, context.palette, { width: widthOf(context), invocation, written }));
  const write = (file: string, content: string, what: string): boolean =>
    writeOutput('report', file, content, what, context);
  let ok = true;
  if (values.json !== undefined) ok = write(values.json, `${JSON.stringify(batch, null, 2)}\n`, 'JSON report') && ok;
  const markdown = renderBatchMarkdown(batch, { invocation });
  if (values.markdown !== undefined) ok = write(values.markdown, markdown, 'Markdown report') && ok;
  if (values.csv !== undefined) ok = write(values.csv, renderCsv(batch), 'CSV ranking') && ok;
  if (values.junit !== undefined)
    ok = write(values.junit, renderBatchJunit(batch, { invocation }), 'JUnit report') && ok;
  const shorter = renderBatchMarkdown(batch, { invocation, scorecards: false });
  ok = appendStepSummary('report', markdown, shorter, context) && ok;
  return ok ? 0 : 1;
}

function shard(positionals: readonly string[], context: CommandContext): number {
  const [spec, file, extra] = positionals;
  if (spec === undefined || file === undefined || extra !== undefined) {
    throw new UsageError('kata report shard: give the shard and the list of candidates: kata report shard i/n FILE');
  }
  try {
    for (const entry of entriesInShard(readText(file, 'the list of candidates'), parseShard(spec))) context.out(entry);
  } catch (error) {
    if (error instanceof ShardError) throw new UsageError(`kata report shard: ${error.message}`);
    throw error;
  }
  return 0;
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'merge the JSON reports of the shards of a batch; list the candidates a shard grades',
  usage: USAGE,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(
      'report',
      args,
      {
        json: { type: 'string' },
        markdown: { type: 'string' },
        csv: { type: 'string' },
        junit: { type: 'string' },
      },
      true,
      context.invocation,
    );
    const [action, ...rest] = positionals;
    switch (action) {
      case 'merge':
        return merge(rest, values, context);
      case 'shard':
        if (Object.keys(values).length > 0) {
          throw new UsageError('kata report shard: prints the candidates of a shard; it writes no report');
        }
        return shard(rest, context);
      default:
        throw new UsageError(
          `kata report: ${action === undefined ? 'say what to do' : `unknown action "${action}"`}: merge FILE... or shard i/n FILE`,
        );
    }
  },
};
