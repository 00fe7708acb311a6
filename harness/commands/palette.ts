/**
 * Terminal styling. Colour only when the stream is a terminal and NO_COLOR is unset (FORCE_COLOR
 * forces it), so piped output and CI logs stay plain text.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export interface Palette {
  readonly pass: (text: string) => string;
  readonly fail: (text: string) => string;
  readonly warn: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
  readonly accent: (text: string) => string;
  /** Status marks: the same characters with or without colour, so plain logs read the same. */
  readonly marks: { readonly pass: string; readonly fail: string; readonly todo: string };
}

export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export function createPalette(color: boolean): Palette {
  const chalk: ChalkInstance = new Chalk({ level: color ? 1 : 0 });
  return {
    pass: chalk.green,
    fail: chalk.red,
    warn: chalk.yellow,
    dim: chalk.dim,
    bold: chalk.bold,
    accent: chalk.cyan,
    marks: { pass: chalk.green('✓'), fail: chalk.red('✗'), todo: chalk.dim('·') },
  };
}
