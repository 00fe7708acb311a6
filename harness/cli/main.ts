/**
 * The `kata` command line: parses the command name, hands the rest to the command, and turns
 * every expected failure into one line on stderr with a non-zero exit code.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { UnknownKataError, harnessRoot } from '../catalog/catalog.ts';
import { ManifestError } from '../catalog/manifest.ts';
import { commandLine, UsageError, type Command, type CommandContext } from '../commands/command.ts';
import { createPalette, wantsColor } from '../commands/palette.ts';
import { kataCommand } from '../runner/replay.ts';

/**
 * Each command is imported only when it runs (or for --help): `kata hint` need not load the
 * grader, nor `kata test` the report renderers, and every module costs start-up time.
 */
interface CommandEntry {
  readonly name: string;
  readonly load: () => Promise<Command>;
}

const commands: readonly CommandEntry[] = [
  { name: 'list', load: async () => (await import('../commands/list.ts')).listCommand },
  { name: 'test', load: async () => (await import('../commands/test.ts')).testCommand },
  { name: 'watch', load: async () => (await import('../commands/watch.ts')).watchCommand },
  { name: 'hint', load: async () => (await import('../commands/hint.ts')).hintCommand },
  { name: 'solution', load: async () => (await import('../commands/solution.ts')).solutionCommand },
  { name: 'reset', load: async () => (await import('../commands/reset.ts')).resetCommand },
  { name: 'rules', load: async () => (await import('../commands/rules.ts')).rulesCommand },
  { name: 'grade', load: async () => (await import('../commands/grade.ts')).gradeCommand },
  { name: 'report', load: async () => (await import('../commands/report.ts')).reportCommand },
];

/** The command names, in the order --help lists them. */
export const commandNames: readonly string[] = commands.map((entry) => entry.name);

/** Every command, loaded, in the order of commandNames. */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(commands.map((entry) => entry.load()));
}

/** What a command line asks for, read before any command is loaded. */
export type Invocation =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'command'; readonly name: string; readonly args: readonly string[] };

export function parseInvocation(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') return { kind: 'help' };
  if (first === '--version' || first === '-v') return { kind: 'version' };
  // No command, or an option first, means `list`, with every word as its arguments.
  if (first === undefined || first.startsWith('-')) return { kind: 'command', name: 'list', args: argv };
  return { kind: 'command', name: first, args: rest };
}

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

export async function renderHelp(context: CommandContext): Promise<string> {
  const { palette } = context;
  const loaded = await loadCommands();
  const width = Math.max(...loaded.map((command) => command.name.length));
  return [
    `${palette.bold('kata')}: interview katas for backend coding rounds, with a graded test harness`,
    '',
    'Usage:',
    ...loaded.map((command) => `  ${command.usage}`),
    '',
    'Commands:',
    ...loaded.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
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
  const invocation = parseInvocation(argv);
  if (invocation.kind === 'help') {
    context.out(await renderHelp(context));
    return 0;
  }
  if (invocation.kind === 'version') {
    context.out(version());
    return 0;
  }
  const { name, args } = invocation;
  const entry = commands.find((candidate) => candidate.name === name);
  if (entry === undefined) {
    context.err(
      `kata: unknown command "${name}"; commands: ${commandNames.join(', ')} (see \`${commandLine(context, '--help')}\`)`,
    );
    return 2;
  }
  const command = await entry.load();
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
