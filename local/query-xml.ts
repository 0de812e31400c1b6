/**
 * Reads the XML of AWS query-protocol responses (IAM's) into plain values, just enough to record what
 * CloudTrail records: element names, text, and `member` lists. No attributes, namespaces or mixed
 * content, which these responses do not use. Pure.
 */

/** A parsed element: its name, its text, and its child elements in order. */
export interface XmlElement {
  readonly name: string;
  readonly text: string;
  readonly children: readonly XmlElement[];
}

/** A value read from XML: text, a list (from `member` children), or a record of child elements. */
export type XmlValue = string | readonly XmlValue[] | { readonly [key: string]: XmlValue };

const TOKEN =
  /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([\w:.-]+)[^>]*?(\/?)>|([^<]+)/g;

/** Parses a document into its root element; undefined when it is not well-formed enough to read. */
export function parseXml(xml: string): XmlElement | undefined {
  interface Open {
    name: string;
    text: string;
    children: XmlElement[];
  }
  const stack: Open[] = [{ name: '#document', text: '', children: [] }];
  for (const match of xml.matchAll(TOKEN)) {
    const [, cdata, closing, name, selfClosing, text] = match;
    const top = stack.at(-1);
    if (top === undefined) return undefined;
    if (cdata !== undefined) top.text += cdata;
    else if (text !== undefined) top.text += decodeEntities(text);
    else if (name === undefined) continue;
    else if (closing === '/') {
      const done = stack.pop();
      const parent = stack.at(-1);
      if (done === undefined || parent === undefined || done.name !== name) return undefined;
      parent.children.push(done);
    } else if (selfClosing === '/') top.children.push({ name, text: '', children: [] });
    else stack.push({ name, text: '', children: [] });
  }
  const document = stack.length === 1 ? stack[0] : undefined;
  return document?.children.length === 1 ? document.children[0] : undefined;
}

/** The first child element with this name. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

/**
 * An element's value, keys renamed by `key`: text for a leaf, a list when every child is `member`, a
 * record otherwise. Empty elements are dropped from records, as absent and empty read the same in IAM.
 */
export function toValue(element: XmlElement, key: (name: string) => string): XmlValue {
  if (element.children.length === 0) return element.text;
  if (element.children.every((c) => c.name === 'member')) return element.children.map((c) => toValue(c, key));
  const record: Record<string, XmlValue> = {};
  for (const c of element.children) {
    if (c.children.length === 0 && c.text === '') continue;
    record[key(c.name)] = toValue(c, key);
  }
  return record;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
}
