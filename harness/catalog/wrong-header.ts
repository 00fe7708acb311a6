/**
 * Each file in solutions/<slug>/wrong/ opens with a comment naming its bug and the checks that
 * must reject it:
 *
 *   /**
 *    * Bug: compares sorted UTF-16 code units without normalising first.
 *    * Violates: normalization-forms-equal
 *    * Rejected by: normalization-forms, composed-characters
 *    *\/
 *
 * `Violates:` names the one rule of the kata's ledger (kata.json `rules`) the file breaks; it is
 * required in a kata that has a ledger. The project's suite runs the spec against the file and
 * requires every named check to fail.
 */

export interface WrongHeader {
  readonly bug: string;
  /** The rule the file breaks, and no other. Absent in a kata without a rule ledger. */
  readonly violates?: string;
  readonly rejectedBy: readonly string[];
}

export class WrongHeaderError extends Error {
  readonly code = 'ERR_KATA_WRONG_HEADER';

  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'WrongHeaderError';
  }
}

export function parseWrongHeader(source: string, file: string): WrongHeader {
  const block = /^\s*\/\*\*?([\s\S]*?)\*\//.exec(source);
  if (!block?.[1]) throw new WrongHeaderError(file, 'must open with a /** ... */ comment naming the bug');
  const lines = block[1].split('\n').map((line) => line.replace(/^\s*\*\s?/, '').trimEnd());

  const bugStart = lines.findIndex((line) => line.startsWith('Bug:'));
  const rejectedLine = lines.find((line) => line.startsWith('Rejected by:'));
  if (bugStart === -1) throw new WrongHeaderError(file, 'header has no "Bug:" line');
  if (rejectedLine === undefined) throw new WrongHeaderError(file, 'header has no "Rejected by:" line');

  const violatesLines = lines.filter((line) => line.startsWith('Violates:'));
  if (violatesLines.length > 1) throw new WrongHeaderError(file, 'header has more than one "Violates:" line');
  let violates: string | undefined;
  if (violatesLines[0] !== undefined) {
    violates = violatesLines[0].slice('Violates:'.length).trim();
    if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(violates)) {
      throw new WrongHeaderError(
        file,
        `"Violates:" must name exactly one rule id (kebab-case), received ${JSON.stringify(violates)}`,
      );
    }
  }

  const bugLines: string[] = [];
  for (const line of lines.slice(bugStart)) {
    if (
      line.startsWith('Rejected by:') ||
      line.startsWith('Violates:') ||
      (bugLines.length > 0 && line.trim() === '')
    ) {
      break;
    }
    bugLines.push(bugLines.length === 0 ? line.slice('Bug:'.length).trim() : line.trim());
  }
  const rejectedBy = rejectedLine
    .slice('Rejected by:'.length)
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (rejectedBy.length === 0) throw new WrongHeaderError(file, '"Rejected by:" names no check');
  return { bug: bugLines.join(' '), ...(violates === undefined ? {} : { violates }), rejectedBy };
}
