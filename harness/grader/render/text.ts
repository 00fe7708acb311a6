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

/**
 * Wraps plain text at word boundaries: the first line starts with `first`, the others with
 * `rest`. A word longer than a line is cut, so no line ever exceeds `width`.
 */
export function wrap(text: string, width: number, first: string, rest: string = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    const room = width - visibleLength(line) - (empty ? 0 : 1);
    if ([...word].length <= room) {
      line += (empty ? '' : ' ') + word;
      empty = false;
      continue;
    }
    if (!empty) lines.push(line);
    line = rest;
    empty = true;
    let remaining = word;
    while ([...remaining].length > width - visibleLength(rest)) {
      const cut = Math.max(1, width - visibleLength(rest));
      lines.push(rest + [...remaining].slice(0, cut).join(''));
      remaining = [...remaining].slice(cut).join('');
    }
    line = rest + remaining;
    empty = remaining === '';
  }
  if (!empty || lines.length === 0) lines.push(line);
  return lines;
}

/** "3.5" for 3.5, "5" for 5: points as people write them. */
export function formatPoints(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
