/** Plain-text layout for reports: wrapping and padding that ignore colour codes. */

const ANSI = /\u001b\[[0-9;]*m/g;

export function visibleLength(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

export function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - visibleLength(text))) + text;
}

/** Cuts plain text to `width` characters, marking the cut. */
export function clip(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** Joins the words of a command so wrap keeps them on one line (see `unbroken`). */
const GLUE = '\u00a0';

/**
 * Marks text (a command a person may copy) that wrap must never break: it moves to a line of its
 * own when it does not fit, and runs past the width rather than being cut.
 */
export function unbroken(text: string): string {
  return text.replace(/ /g, GLUE);
}

/** Longest double-quoted string kept on one line. */
const QUOTED_LIMIT = 32;

/**
 * The words of a text: runs of characters between spaces, except that a double-quoted string
 * (JSON evidence: `[" a ",""]`) is never broken at the spaces inside it.
 */
function words(text: string): string[] {
  const result: string[] = [];
  let word = '';
  let quoted = false;
  const chars = [...text];
  for (let index = 0; index < chars.length; index++) {
    const char = chars[index]!;
    if (char === '\\' && quoted) {
      word += char + (chars[index + 1] ?? '');
      index++;
      continue;
    }
    if (char === '"') {
      // A short string only (evidence, not a quoted sentence), and only one that closes: a stray
      // quote must not glue the rest of the text together.
      const closes = chars.indexOf('"', index + 1);
      if (quoted || (closes !== -1 && closes - index <= QUOTED_LIMIT)) quoted = !quoted;
      word += char;
      continue;
    }
    if (/[ \t\r\n]/.test(char) && !quoted) {
      if (word !== '') result.push(word);
      word = '';
      continue;
    }
    word += char;
  }
  if (word !== '') result.push(word);
  return result;
}

/**
 * Where a word too long for a line may break without splitting a token: after a comma outside
 * quotes, so JSON evidence (`[{"kind":"finish","pick":0}]`) breaks between its values, never
 * inside a string or a number.
 */
function breakPoints(word: string): number[] {
  const points: number[] = [];
  let quoted = false;
  const chars = [...word];
  for (let index = 0; index < chars.length; index++) {
    const char = chars[index];
    if (char === '\\' && quoted) {
      index++;
      continue;
    }
    if (char === '"') quoted = !quoted;
    else if (char === ',' && !quoted && index < chars.length - 1) points.push(index + 1);
  }
  return points;
}

/**
 * Splits a word longer than `room` into pieces of at most `room` characters, at break points when
 * it can; a command (`unbroken`) stays whole.
 */
function splitWord(word: string, room: number): string[] {
  if (word.includes(GLUE)) return [word];
  const chars = [...word];
  const points = breakPoints(word);
  const pieces: string[] = [];
  let start = 0;
  while (chars.length - start > room) {
    const fitting = points.filter((point) => point > start && point - start <= room);
    // Cut mid-token only when no break point fits at all.
    const end = fitting.length > 0 ? fitting[fitting.length - 1]! : start + Math.max(1, room);
    pieces.push(chars.slice(start, end).join(''));
    start = end;
  }
  pieces.push(chars.slice(start).join(''));
  return pieces;
}

/**
 * Wraps plain text at word boundaries: the first line starts with `first`, the others with
 * `rest`. A quoted string is one word. A word longer than a line breaks after a comma outside
 * quotes, and is cut only when it has none, so no line exceeds `width`; the one exception is a
 * command marked `unbroken`, which is never split.
 */
export function wrap(text: string, width: number, first: string, rest: string = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words(text)) {
    const room = width - visibleLength(line) - (empty ? 0 : 1);
    if (visibleLength(word) <= room) {
      line += (empty ? '' : ' ') + word;
      empty = false;
      continue;
    }
    if (!empty) {
      lines.push(line);
      line = rest;
    }
    const pieces = splitWord(word, Math.max(1, width - Math.max(visibleLength(line), visibleLength(rest))));
    lines.push(line + pieces[0]!);
    for (const piece of pieces.slice(1)) lines.push(rest + piece);
    line = lines.pop()!;
    empty = false;
  }
  if (!empty || lines.length === 0) lines.push(line);
  return lines.map((entry) => entry.split(GLUE).join(' '));
}

/**
 * A label and a command a person may copy, e.g. "replay:" and "npx kata test ...": on one line
 * when they fit, else the command alone on the next line, indented further. A command is never
 * split: a line that holds one may run past `width`.
 */
export function commandLines(indent: string, label: string, command: string, width: number): string[] {
  const single = `${indent}${label} ${command}`;
  if (visibleLength(single) <= width) return [single];
  return [`${indent}${label}`, `${indent}  ${command}`];
}

/**
 * Text whose first line is prose and whose further lines are preformatted (a compiler's message
 * and code frame): the prose wraps; every other line is kept as it is, indented, never rewrapped,
 * so the caret still points at the column it marks.
 */
export function wrapWithBlock(text: string, width: number, first: string, rest: string = first): string[] {
  const [head = '', ...block] = text.split('\n');
  const lines = wrap(head, width, first, rest);
  while (block.length > 0 && block[0]!.trim() === '') block.shift();
  while (block.length > 0 && block[block.length - 1]!.trim() === '') block.pop();
  for (const line of block) lines.push(line.trim() === '' ? '' : `${rest}  ${line}`);
  return lines;
}

/** "3.5" for 3.5, "5" for 5: points as people write them. */
export function formatPoints(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
