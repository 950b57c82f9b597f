import { XMLParser } from 'fast-xml-parser';

/*
 * fast-xml-parser's plain objects, as the report reader and the junitResult.xml reader walk them:
 * attributes grouped under `@`, text under `#text`, CDATA under `#cdata`, references decoded here.
 */

export type Node = Record<string, unknown>;
const ATTRS = '@';
const TEXT = '#text';
const CDATA = '#cdata';

/** A parser whose elements named in `repeated` are always arrays. */
export function nodeParser(repeated: ReadonlySet<string>): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    attributesGroupName: ATTRS,
    textNodeName: TEXT,
    cdataPropName: CDATA,
    alwaysCreateTextNode: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    // References are decoded below, in one pass: the parser leaves numeric ones alone and would
    // turn `&amp;#10;` into a newline.
    processEntities: false,
    htmlEntities: false,
    isArray: (name) => repeated.has(name),
  });
}

export function first(v: unknown): Node | undefined {
  const x = Array.isArray(v) ? (v[0] as unknown) : v;
  return x !== null && typeof x === 'object' ? (x as Node) : undefined;
}

export function children(el: Node, name: string): Node[] {
  const v = el[name];
  return Array.isArray(v) ? v.filter((x): x is Node => x !== null && typeof x === 'object') : [];
}

export function attr(el: Node, name: string): string | undefined {
  const attrs = el[ATTRS];
  if (attrs === null || typeof attrs !== 'object') return undefined;
  const v = (attrs as Record<string, unknown>)[name];
  return typeof v === 'string' ? decodeReferences(v) : undefined;
}

/** The element's text and CDATA (text first: the parser keeps them apart). */
export function textOf(el: Node): string {
  const t = el[TEXT];
  let out = typeof t === 'string' ? decodeReferences(t) : '';
  const cdata = el[CDATA];
  for (const part of Array.isArray(cdata) ? (cdata as unknown[]) : [cdata]) {
    if (part !== null && typeof part === 'object') {
      const inner = (part as Node)[TEXT];
      if (typeof inner === 'string') out += inner;
    } else if (typeof part === 'string') {
      out += part;
    }
  }
  return out;
}

const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML's five named references and character references, decoded in one pass. */
export function decodeReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(lt|gt|amp|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});/g, (all, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref.startsWith('#x') ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return NAMED[ref] ?? all;
  });
}

export function elementText(el: Node, name: string): string | undefined {
  const child = first(el[name]);
  return child === undefined ? undefined : textOf(child);
}
