/**
 * For the commands' tests and the CLI's: a command context whose output is kept in arrays, with
 * no colour, no terminal, and prompts answered from a list (an empty answer once it runs out).
 */
import { harnessRoot } from '../../catalog/catalog.ts';
import type { CommandContext } from '../command.ts';
import { createPalette } from '../palette.ts';

export interface Captured {
  readonly context: CommandContext;
  readonly out: string[];
  readonly err: string[];
}

export function capture(root: string = harnessRoot, answers: string[] = []): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    context: {
      root,
      out: (text) => out.push(text),
      err: (text) => err.push(text),
      palette: createPalette(false),
      interactive: answers.length > 0,
      prompt: async () => answers.shift() ?? '',
      invocation: 'npx kata',
    },
  };
}
