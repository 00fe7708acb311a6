/**
 * A strict little XML parser for the tests of the JUnit report: elements, double- or
 * single-quoted attributes, text, the five named entities and character references, comments and
 * the XML declaration. It throws on anything a conforming parser would reject that the report
 * could produce: mismatched or unclosed tags, duplicate attributes, an unknown entity, a raw `<`
 * or `&`, characters XML 1.0 forbids, content after the root.
 */

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text, its children's excluded, entities decoded. */
  readonly text: string;
}

const NAME = /[A-Za-z_:][\w.:-]*/y;
// XML 1.0 Char: tab, newline, carriage return, U+0020 to U+D7FF, U+E000 to U+FFFD, and astral planes.
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function decode(raw: string, at: number): string {
  if (raw.includes('<')) throw new Error(`raw "<" at ${at}`);
  return raw.replace(/&([^;\s&]*);|&/g, (_whole, entity: string | undefined) => {
    if (entity === undefined) throw new Error(`bare "&" at ${at}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (entity in named) return named[entity]!;
    const code = /^#x([0-9a-fA-F]+)$/.exec(entity)?.[1] ?? /^#(\d+)$/.exec(entity)?.[1];
    if (code === undefined) throw new Error(`unknown entity &${entity}; at ${at}`);
    const point = entity.startsWith('#x') ? parseInt(code, 16) : parseInt(code, 10);
    const char = String.fromCodePoint(point);
    if (FORBIDDEN.test(char)) throw new Error(`character reference to a forbidden character at ${at}`);
    return char;
  });
}

export function parseXml(source: string): XmlElement {
  if (FORBIDDEN.test(source)) throw new Error('the document holds a character XML 1.0 forbids');
  let pos = 0;
  const skipMisc = (): void => {
    for (;;) {
      const before = pos;
      while (/\s/.test(source[pos] ?? '')) pos++;
      if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos + 4);
        if (end < 0) throw new Error('unclosed comment');
        pos = end + 3;
      } else if (source.startsWith('<?', pos)) {
        const end = source.indexOf('?>', pos + 2);
        if (end < 0) throw new Error('unclosed declaration');
        pos = end + 2;
      }
      if (pos === before) return;
    }
  };
  const name = (): string => {
    NAME.lastIndex = pos;
    const match = NAME.exec(source);
    if (match === null) throw new Error(`expected a name at ${pos}`);
    pos += match[0].length;
    return match[0];
  };
  const element = (): XmlElement => {
    if (source[pos] !== '<') throw new Error(`expected "<" at ${pos}`);
    pos++;
    const tag = name();
    const attributes: Record<string, string> = {};
    for (;;) {
      const spaced = /\s/.test(source[pos] ?? '');
      while (/\s/.test(source[pos] ?? '')) pos++;
      if (source.startsWith('/>', pos)) {
        pos += 2;
        return { name: tag, attributes, children: [], text: '' };
      }
      if (source[pos] === '>') {
        pos++;
        break;
      }
      if (!spaced) throw new Error(`expected a space before an attribute at ${pos}`);
      const key = name();
      if (key in attributes) throw new Error(`duplicate attribute ${key} on <${tag}>`);
      if (source[pos] !== '=') throw new Error(`expected "=" after ${key} at ${pos}`);
      pos++;
      const quote = source[pos];
      if (quote !== '"' && quote !== "'") throw new Error(`expected a quoted value for ${key} at ${pos}`);
      const end = source.indexOf(quote, pos + 1);
      if (end < 0) throw new Error(`unclosed value of ${key}`);
      // Attribute values normalise white space characters to spaces; references keep them.
      attributes[key] = decode(source.slice(pos + 1, end).replace(/[\t\n\r]/g, ' '), pos);
      pos = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      const next = source.indexOf('<', pos);
      if (next < 0) throw new Error(`<${tag}> is not closed`);
      text += decode(source.slice(pos, next), pos);
      pos = next;
      if (source.startsWith('</', pos)) {
        pos += 2;
        const closing = name();
        if (closing !== tag) throw new Error(`</${closing}> closes <${tag}>`);
        while (/\s/.test(source[pos] ?? '')) pos++;
        if (source[pos] !== '>') throw new Error(`expected ">" at ${pos}`);
        pos++;
        return { name: tag, attributes, children, text };
      }
      if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos + 4);
        if (end < 0) throw new Error('unclosed comment');
        pos = end + 3;
        continue;
      }
      children.push(element());
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (pos !== source.length) throw new Error(`content after the root element at ${pos}`);
  return root;
}

/** The children of `element` named `name`. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

/** The `<properties>` of an element as a map. */
export function propertiesOf(element: XmlElement): Record<string, string> {
  const result: Record<string, string> = {};
  for (const properties of childrenNamed(element, 'properties')) {
    for (const property of childrenNamed(properties, 'property')) {
      result[property.attributes.name!] = property.attributes.value!;
    }
  }
  return result;
}
