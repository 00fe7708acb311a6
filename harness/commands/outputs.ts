/**
 * Where `kata grade` and `kata report` put what they write: files named on the command line, and
 * the step summary of a GitHub Actions job (`$GITHUB_STEP_SUMMARY`, appended when it is set).
 */
import { appendFileSync, statSync, writeFileSync } from 'node:fs';
import type { CommandContext } from './command.ts';

/** Writes one output file, saying so on stderr; false (and one line saying why) when it cannot. */
export function writeOutput(
  command: string,
  file: string,
  content: string,
  what: string,
  context: CommandContext,
): boolean {
  try {
    writeFileSync(file, content);
    context.err(context.palette.dim(`Wrote the ${what} to ${file}`));
    return true;
  } catch (error) {
    context.err(
      `kata ${command}: could not write the ${what} to ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
    return false;
  }
}

/** GitHub refuses a step summary over 1024 KiB and shows none of it. */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * Appends Markdown to `$GITHUB_STEP_SUMMARY` when the variable is set (true when it is not).
 * `shorter` is used when `markdown` would take the step's summary over GitHub's limit.
 */
export function appendStepSummary(
  command: string,
  markdown: string,
  shorter: string,
  context: CommandContext,
): boolean {
  const file = (context.env ?? process.env).GITHUB_STEP_SUMMARY;
  if (file === undefined || file === '') return true;
  const room = STEP_SUMMARY_LIMIT - sizeOf(file);
  const fits = (text: string): boolean => Buffer.byteLength(text, 'utf8') + 1 <= room;
  const chosen = fits(markdown) ? markdown : fits(shorter) ? shorter : undefined;
  if (chosen === undefined) {
    context.err(
      `kata ${command}: the scorecard does not fit in the step summary (GitHub shows at most 1024 KiB); skipped`,
    );
    return true;
  }
  try {
    appendFileSync(file, `${chosen.trimEnd()}\n\n`);
    context.err(
      context.palette.dim(
        `Appended the ${chosen === markdown ? 'scorecard' : 'ranking (the full scorecards do not fit)'} to the step summary`,
      ),
    );
    return true;
  } catch (error) {
    context.err(
      `kata ${command}: could not append to the step summary ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
    return false;
  }
}
