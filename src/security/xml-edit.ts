import { serializeXml, writeXmlSpec, type XmlElementHandle } from '../xml/index.js';

export { writeXmlSpec };

/*
 * Rewriting part of a parsed file while keeping the elements Steward does not understand: each
 * child is either replaced by new text, dropped, or written back as it was read. Whitespace is
 * laid out as XStream does (two spaces per level); comments between rewritten children are not
 * kept.
 */

/** The element as XML text, exactly as the lossless model writes it. */
export function rawXml(el: XmlElementHandle): string {
  return serializeXml({ file: el.file, prolog: '', root: el, epilogue: '' });
}

/** `<name attr="...">` of the element, attributes escaped as they were. */
function startTag(el: XmlElementHandle): string {
  const raw = rawXml(el);
  // Attribute values are written escaped, so the first '>' ends the start tag.
  const end = raw.indexOf('>');
  const tag = raw.slice(0, end + 1);
  return tag.endsWith('/>') ? `${tag.slice(0, -2)}>` : tag;
}

/**
 * What to do with one child: new text, `null` to drop it, `undefined` to keep it as it was.
 * `depth` is the child's depth, for laying out new text with writeXmlSpec(spec, depth).
 */
export type ChildEdit = (child: XmlElementHandle, depth: number) => string | null | undefined;

/**
 * The element at `depth` as text, each child passed through `edit`, then `append` (already laid
 * out at depth + 1) added at the end.
 */
export function rewriteElement(el: XmlElementHandle, depth: number, edit: ChildEdit, append: readonly string[] = []): string {
  const parts: string[] = [];
  for (const child of el.children()) {
    const replaced = edit(child, depth + 1);
    if (replaced === null) continue;
    parts.push(replaced ?? rawXml(child));
  }
  parts.push(...append);
  const tag = startTag(el);
  if (parts.length === 0) return `${tag.slice(0, -1)}/>`;
  const indent = `\n${'  '.repeat(depth + 1)}`;
  return `${tag}${parts.map((p) => indent + p).join('')}\n${'  '.repeat(depth)}</${el.name}>`;
}

