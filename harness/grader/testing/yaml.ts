/**
 * The YAML the workflow templates under docs/ci/ are written in, parsed for the tests that run
 * their steps: block mappings and sequences by indentation, `|` literal block scalars, plain,
 * single- and double-quoted scalars, flow sequences of scalars (`[1, 2]`), and comments. Every
 * scalar is a string. Anything else (anchors, flow mappings, folded or multi-line plain
 * scalars, tabs) is refused, so a template that outgrows this parser fails loudly instead of
 * being read wrong; the linter, which parses full YAML, checks the same files.
 */

export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  readonly number: number;
  readonly indent: number;
  readonly text: string;
}

function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return text.slice(0, i).trimEnd();
  }
  return text.trimEnd();
}

function scalar(raw: string, line: number): YamlValue {
  const text = raw.trim();
  if (text === '' || text === '~' || text === 'null') return null;
  if (text.startsWith('"')) {
    if (!text.endsWith('"') || text.length < 2) throw new Error(`line ${line}: unclosed "`);
    return JSON.parse(text) as string;
  }
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2) throw new Error(`line ${line}: unclosed '`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw new Error(`line ${line}: a flow sequence on one line only`);
    const inner = text.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((item) => scalar(item, line));
  }
  if (/^[&*!{>|]/.test(text)) throw new Error(`line ${line}: "${text}" is YAML this parser does not read`);
  return text;
}

/** `key: rest` with a plain or quoted key, or undefined. */
function keyValue(text: string): { key: string; rest: string } | undefined {
  const match = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^\s'"#:][^:#]*?)\s*:(?:\s+(.*))?$/.exec(text);
  if (match === null) return undefined;
  const key = match[1]!;
  return { key: /^["']/.test(key) ? (scalar(key, 0) as string) : key, rest: match[2] ?? '' };
}

export function parseYaml(source: string): YamlValue {
  if (source.includes('\t')) throw new Error('tabs are not YAML indentation');
  const raw = source.split(/\r?\n/);
  const lines: Line[] = [];
  raw.forEach((text, index) => lines.push({ number: index + 1, indent: text.length - text.trimStart().length, text }));
  let at = 0;
  const significant = (): Line | undefined => {
    while (at < lines.length && stripComment(lines[at]!.text).trim() === '') at++;
    return lines[at];
  };

  /** The lines of a `|` block below a key at `parentIndent`, their common indentation removed. */
  const literal = (parentIndent: number, header: string, lineNumber: number): string => {
    if (!/^\|[-+]?$/.test(header)) throw new Error(`line ${lineNumber}: block scalar "${header}" is not read here`);
    const body: string[] = [];
    let indent: number | undefined;
    while (at < lines.length) {
      const line = lines[at]!;
      if (line.text.trim() === '') {
        body.push('');
        at++;
        continue;
      }
      if (line.indent <= parentIndent) break;
      indent ??= line.indent;
      if (line.indent < indent) throw new Error(`line ${line.number}: less indented than its block`);
      body.push(line.text.slice(indent));
      at++;
    }
    while (body.length > 0 && body.at(-1) === '') body.pop();
    const text = body.join('\n');
    return header === '|-' ? text : `${text}\n`;
  };

  /** The value after `key:` on a line at `indent`: inline, a block scalar, or a nested block. */
  const valueAfter = (rest: string, indent: number, lineNumber: number): YamlValue => {
    const inline = stripComment(rest).trim();
    if (inline.startsWith('|')) return literal(indent, inline, lineNumber);
    if (inline !== '') return scalar(inline, lineNumber);
    const next = significant();
    if (next === undefined || next.indent < indent) return null;
    if (next.indent === indent) return next.text.trimStart().startsWith('- ') ? block(indent) : null;
    return block(next.indent);
  };

  const mapping = (
    indent: number,
    first?: { key: string; rest: string; number: number },
  ): Record<string, YamlValue> => {
    const result: Record<string, YamlValue> = {};
    const add = (key: string, rest: string, number: number, keyIndent: number): void => {
      if (key in result) throw new Error(`line ${number}: duplicate key ${key}`);
      result[key] = valueAfter(rest, keyIndent, number);
    };
    if (first !== undefined) add(first.key, first.rest, first.number, indent);
    for (;;) {
      const line = significant();
      if (line === undefined || line.indent < indent) return result;
      if (line.indent > indent) throw new Error(`line ${line.number}: unexpected indentation`);
      const text = stripComment(line.text).trim();
      if (text.startsWith('- ')) return result;
      const pair = keyValue(text);
      if (pair === undefined) throw new Error(`line ${line.number}: expected "key: value", found "${text}"`);
      at++;
      add(pair.key, pair.rest, line.number, indent);
    }
  };

  const sequence = (indent: number): YamlValue[] => {
    const items: YamlValue[] = [];
    for (;;) {
      const line = significant();
      if (line === undefined || line.indent !== indent) return items;
      const text = stripComment(line.text).trim();
      if (!(text.startsWith('- ') || text === '-')) return items;
      at++;
      const rest = text === '-' ? '' : text.slice(2).trim();
      const pair = keyValue(rest);
      if (pair !== undefined) items.push(mapping(indent + 2, { ...pair, number: line.number }));
      else if (rest === '') items.push(valueAfter('', indent + 1, line.number));
      else items.push(scalar(rest, line.number));
    }
  };

  const block = (indent: number): YamlValue => {
    const line = significant();
    if (line === undefined) return null;
    return stripComment(line.text).trim().startsWith('- ') ? sequence(indent) : mapping(indent);
  };

  const first = significant();
  if (first === undefined) return null;
  if (first.indent !== 0) throw new Error(`line ${first.number}: the document must start at column 0`);
  const value = block(0);
  const rest = significant();
  if (rest !== undefined) throw new Error(`line ${rest.number}: not read (indentation?)`);
  return value;
}
