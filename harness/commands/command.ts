/** What every `kata` command receives and returns. Commands never exit the process themselves. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
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

/** node:util parseArgs, with its errors turned into one-line usage errors. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: readonly string[],
  options: T,
  allowPositionals: boolean,
) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`kata ${command}: ${message}`);
  }
}
