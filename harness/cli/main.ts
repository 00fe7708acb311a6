/**
 * The `kata` command line: parses the command name, hands the rest to the command, and turns
 * every expected failure into one line on stderr with a non-zero exit code.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { UnknownKataError, harnessRoot } from '../catalog/catalog.ts';
import { ManifestError } from '../catalog/manifest.ts';
import { commandLine, UsageError, type Command, type CommandContext } from '../commands/command.ts';
import { gradeCommand } from '../commands/grade.ts';
import { hintCommand } from '../commands/hint.ts';
import { listCommand } from '../commands/list.ts';
import { createPalette, wantsColor } from '../commands/palette.ts';
import { reportCommand } from '../commands/report.ts';
import { resetCommand } from '../commands/reset.ts';
import { rulesCommand } from '../commands/rules.ts';
import { solutionCommand } from '../commands/solution.ts';
import { testCommand } from '../commands/test.ts';
import { watchCommand } from '../commands/watch.ts';
import { kataCommand } from '../runner/replay.ts';

const commands: readonly Command[] = [
  listCommand,
  testCommand,
  watchCommand,
  hintCommand,
  solutionCommand,
  resetCommand,
  rulesCommand,
  gradeCommand,
  reportCommand,
];

/** Columns to wrap to: the terminal's width, or 80 when stdout is not a terminal (a pipe, a file, CI). */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }): number {
  return stream.isTTY === true && typeof stream.columns === 'number' && stream.columns > 0 ? stream.columns : 80;
}

export function createContext(root: string = harnessRoot): CommandContext {
  const out = writerFor(process.stdout);
  const err = writerFor(process.stderr);
  const rows = process.stdout.isTTY === true ? process.stdout.rows : undefined;
  return {
    root,
    out,
    err,
    palette: createPalette(wantsColor(process.stdout)),
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
    width: terminalWidth(process.stdout),
    ...(typeof rows === 'number' && rows > 0 ? { rows } : {}),
    invocation: kataCommand(),
    env: process.env,
    async prompt(question) {
      const readline = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await readline.question(question);
      } finally {
        readline.close();
      }
    },
  };
}

/**
 * Writes lines to a stream until its reader goes away (`kata list | head`): then the rest is
 * dropped quietly and the command still finishes, cleaning up after itself, instead of dying on
 * an unhandled EPIPE.
 */
function writerFor(stream: NodeJS.WriteStream): (text: string) => void {
  let open = true;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    open = false;
  });
  return (text) => {
    if (open) stream.write(`${text}\n`);
  };
}

export function renderHelp(context: CommandContext): string {
  const { palette } = context;
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    `${palette.bold('kata')}: interview katas for backend coding rounds, with a graded test harness`,
    '',
    'Usage:',
    ...commands.map((command) => `  ${command.usage}`),
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    `Start with ${palette.accent(commandLine(context, 'list'))}; then ${palette.accent(commandLine(context, 'watch <slug>'))} while you edit katas/<slug>/index.ts.`,
  ].join('\n');
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

export async function main(argv: readonly string[], context: CommandContext = createContext()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    context.out(renderHelp(context));
    return 0;
  }
  if (first === '--version' || first === '-v') {
    context.out(version());
    return 0;
  }
  const name = first === undefined || first.startsWith('-') ? 'list' : first;
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  const command = commands.find((candidate) => candidate.name === name);
  if (command === undefined) {
    context.err(
      `kata: unknown command "${name}"; commands: ${commands.map((c) => c.name).join(', ')} (see \`${commandLine(context, '--help')}\`)`,
    );
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    context.out(`${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    return await command.run(args, context);
  } catch (error) {
    if (error instanceof UsageError || error instanceof UnknownKataError || error instanceof ManifestError) {
      context.err(error.message.startsWith('kata') ? error.message : `kata ${name}: ${error.message}`);
      return 2;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    context.err(`kata ${name}: internal error: ${message}`);
    return 1;
  }
}
