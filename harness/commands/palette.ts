/**
 * Terminal styling. Colour only when the stream is a terminal and NO_COLOR is unset (FORCE_COLOR
 * forces it), so piped output and CI logs stay plain text.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Palette } from '../grader/render/palette.ts';

export type { Palette };

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
