/** What every `kata` command receives and returns. Commands never exit the process themselves. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { kataCommand } from '../runner/replay.ts';
import type { Palette } from './palette.ts';

export interface CommandContext {
  /** The repository whose katas/ the candidate works in. */
  readonly root: string;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly palette: Palette;
  /** True when stdin and stdout are terminals, so the command may prompt. */
  readonly interactive: boolean;
  /** Reads one line from the terminal, for confirmations. */
  readonly prompt: (question: string) => Promise<string>;
  /** Columns to wrap output to: the terminal's width, 80 when stdout is not a terminal. Default: 80. */
  readonly width?: number;
  /** Rows of the terminal, when stdout is one: `watch` keeps its report within them. Default: unlimited. */
  readonly rows?: number;
  /** How the person runs the harness, for the commands printed: `kata` or `npx kata`. Default: detected. */
  readonly invocation?: string;
  /** The environment (`GITHUB_STEP_SUMMARY`, read by `kata grade` and `kata report`). Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The width to wrap a command's output to. */
export function widthOf(context: Pick<CommandContext, 'width'>): number {
  return context.width !== undefined && context.width >= 40 ? Math.floor(context.width) : 80;
}

/** A command line the person can type as printed: `npx kata watch anagram` (or `kata ...`). */
export function commandLine(context: Pick<CommandContext, 'invocation'>, rest: string): string {
  return `${context.invocation ?? kataCommand()} ${rest}`;
}

export interface Command {
  readonly name: string;
  /** One line for `kata help`. */
  readonly summary: string;
  /** Usage line(s), e.g. "kata test <slug> [--seed N] [--only id,...]". */
  readonly usage: string;
  /** Returns the process exit code. */
  run(args: readonly string[], context: CommandContext): Promise<number>;
}

/** A mistake in how the command was called. The CLI prints the message on one line and exits 2. */
export class UsageError extends Error {
  readonly code = 'ERR_KATA_USAGE';

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/;

/**
 * `--seed -5` as `--seed=-5`: node:util reads the `-5` of the space form as an option of its own
 * and refuses the pair, yet every printed seed may be negative.
 */
function joinNegativeValues(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const next = args[index + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${arg}=${next}`);
      index++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** node:util's parse error as one line that says what to do next. */
function usageMessage(command: string, error: unknown, invocation: string | undefined): string {
  const help = `(see \`${commandLine({ invocation }, `${command} --help`)}\`)`;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const option = quoted.replace(/ <value>$/, '');
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option} ${help}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted} ${help}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(message)) return `${option} needs a value ${help}`;
      if (/does not take an argument/.test(message)) return `${option} takes no value ${help}`;
      return `${option}: ${message.split('\n')[0]} ${help}`;
    default:
      return `${message.split('\n')[0]} ${help}`;
  }
}

/** node:util parseArgs, with its errors turned into one-line usage errors. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: readonly string[],
  options: T,
  allowPositionals: boolean,
  invocation?: string,
) {
  try {
    return parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(`kata ${command}: ${usageMessage(command, error, invocation)}`);
  }
}
