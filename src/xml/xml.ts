import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { StewardError } from '../errors/index.js';
import { codePointName, findForbiddenChar, isReferable, xmlVersionOf, type XmlVersion } from './xml-chars.js';
import { XML_LIMITS, findLimitBreach, type XmlLimits } from './xml-limits.js';

/*
 * A lossless model of an XML file such as a Jenkins config.xml, over fast-xml-parser's ordered
 * output. Whitespace text nodes, comments, CDATA and unknown plugin elements are kept, so a job
 * that Steward edits (say, disables) keeps every element it does not understand.
 *
 * fast-xml-parser's ordered nodes are loosely typed (`{ [name]: Node[], ':@'?: attrs }`); they
 * stay inside this file. Everything else sees XmlElementHandle.
 */

const TEXT = '#text';
const COMMENT = '#comment';
const CDATA = '#cdata';
const ATTRS = ':@';

/** One node of fast-xml-parser's preserveOrder output (element, text, comment, CDATA or PI). */
export type RawNode = Record<string, unknown>;

/** Where a document came from and how to turn a source offset into a line and column. */
interface Origin {
  readonly file: string;
  /** Offsets (in the source text) at which each line starts; empty for a built document. */
  readonly lineStarts: readonly number[];
  /** Which characters references may give; 1.0 for a built document. */
  readonly version: XmlVersion;
  /**
   * Puts the elements' positions back on a tree parsed on a worker thread, the first time a line
   * is asked for (an error, mostly): walking a large tree costs more than the copy it came in.
   */
  restorePositions?: (() => void) | undefined;
}

/** A parsed XML file: the root element plus the raw text around it, kept byte for byte. */
export interface XmlDocument {
  /** The name the document was parsed under, e.g. `jobs/foo/config.xml`; used in errors. */
  readonly file: string;
  /** Everything before the root element: the `<?xml ...?>` declaration, comments, whitespace. */
  readonly prolog: string;
  readonly root: XmlElementHandle;
  /** Everything after the root element's end (usually nothing, or a newline). */
  readonly epilogue: string;
}

// Typed as the `Symbol` wrapper by fast-xml-parser; it is a plain symbol at run time.
const metaSymbol = XMLParser.getMetaDataSymbol() as unknown as symbol;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Entities are decoded by decodeEntities below, in one pass: fast-xml-parser leaves numeric
  // references alone, and decoding `&amp;#10;` in two passes would turn it into a newline.
  processEntities: false,
  commentPropName: COMMENT,
  cdataPropName: CDATA,
  captureMetaData: true,
  maxNestedTags: XML_LIMITS.maxDepth,
});


/**
 * Parses XML text into a lossless document. Text over `limits` (XML_LIMITS by default) throws
 * STW_REQUEST_TOO_LARGE before it is parsed. Malformed text throws STW_XML_MALFORMED naming
 * `file:line:column`: what the parser refuses, a second root element, a character XML does not
 * allow (raw, or as a reference), and a DOCTYPE (Jenkins never writes one, and it would open the
 * door to entity expansion). parseXmlOffLoop parses large text on a worker thread.
 */
export function parseXml(text: string, file: string, limits: XmlLimits = XML_LIMITS): XmlDocument {
  return documentOf(parseRoot(text, file, limits), text, file);
}

/** Refuses text over `limits.maxBytes`: the check that needs no scan of the markup. */
export function checkXmlSize(text: string, file: string, limits: XmlLimits = XML_LIMITS): void {
  // Each UTF-16 unit is at most 3 bytes in UTF-8: short text needs no count.
  if (text.length * 3 <= limits.maxBytes) return;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) {
    const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
    throw new StewardError('STW_REQUEST_TOO_LARGE', `${file} is ${mib(bytes)} MiB; an XML document may be at most ${limits.maxBytes / 1024 / 1024} MiB`, { file });
  }
}

/** @internal Checks and parses text into its root node, entities decoded; parseXml and the worker share it. */
export function parseRoot(text: string, file: string, limits: XmlLimits = XML_LIMITS): RawNode {
  checkXmlSize(text, file, limits);
  const version = xmlVersionOf(text);
  const origin: Origin = { file, lineStarts: computeLineStarts(text), version };
  const breach = findLimitBreach(text, limits);
  if (breach !== undefined) {
    const at = positionOf(origin, breach.index);
    throw new StewardError('STW_REQUEST_TOO_LARGE', `${file}:${at.line}:${at.column}: ${breach.message}`, { file, line: at.line, column: at.column });
  }
  const forbidden = findForbiddenChar(text, version);
  if (forbidden !== undefined) {
    const at = positionOf(origin, forbidden.index);
    throw malformed(file, `the character ${codePointName(forbidden.point)} may not appear in an XML ${version} document`, at.line, at.column);
  }
  const verdict = XMLValidator.validate(text);
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    throw malformed(file, msg, line, Number.isFinite(col) ? col : undefined);
  }
  let top: RawNode[];
  try {
    top = parser.parse(text) as RawNode[];
  } catch (err) {
    throw new StewardError('STW_XML_MALFORMED', `${file}: ${(err as Error).message}`, { file, cause: err });
  }
  const rootNode = top.find((n) => isElementName(nodeName(n)));
  const meta = rootNode === undefined ? undefined : metaOf(rootNode);
  if (rootNode === undefined || meta === undefined) {
    throw malformed(file, 'the document has no root element', 1, 1);
  }
  checkSingleRoot(top, rootNode, origin, text, meta.endIndex);
  // A DOCTYPE can only come before the root; elsewhere `<!DOCTYPE` is CDATA or comment text.
  const doctype = /<!DOCTYPE/i.exec(text.slice(0, meta.startIndex));
  if (doctype !== null) {
    const at = positionOf(origin, doctype.index);
    throw malformed(file, 'DOCTYPE declarations are not supported', at.line, at.column);
  }
  decodeTree(rootNode, origin, text);
  return rootNode;
}

/**
 * Refuses what fast-xml-parser lets through after the root: a second element (XML has one root),
 * or anything but white space, comments and processing instructions.
 */
function checkSingleRoot(top: readonly RawNode[], rootNode: RawNode, origin: Origin, text: string, rootEnd: number): void {
  for (const node of top.slice(top.indexOf(rootNode) + 1)) {
    const name = nodeName(node);
    if (isElementName(name)) {
      const at = positionOf(origin, metaOf(node)?.startIndex ?? 0);
      throw malformed(origin.file, `a document has one root element; a second one, <${name}>, starts here`, at.line, at.column);
    }
  }
  const allowed = /^(?:\s+|<!--[\s\S]*?-->|<\?[\s\S]*?\?>)*/.exec(text.slice(rootEnd))?.[0].length ?? 0;
  if (rootEnd + allowed < text.length) {
    const at = positionOf(origin, rootEnd + allowed);
    throw malformed(origin.file, 'nothing but comments may follow the root element', at.line, at.column);
  }
}

/**
 * @internal The document of a root node parsed from `text`, here or on a worker thread (then with
 * the positions packPositions took).
 */
export function documentOf(rootNode: RawNode, text: string, file: string, positions?: Int32Array): XmlDocument {
  const meta = positions === undefined ? metaOf(rootNode) : { startIndex: positions[0] ?? -1, endIndex: positions[1] ?? -1 };
  if (meta === undefined || meta.startIndex < 0) throw new StewardError('STW_INTERNAL', `${file}: the parsed root element has no position`, { file });
  const origin: Origin = { file, lineStarts: computeLineStarts(text), version: xmlVersionOf(text) };
  if (positions !== undefined) {
    origin.restorePositions = () => {
      origin.restorePositions = undefined;
      restorePositions(rootNode, positions);
    };
  }
  return {
    file,
    prolog: text.slice(0, meta.startIndex),
    root: new XmlElementHandle(rootNode, origin, ''),
    epilogue: text.slice(meta.endIndex),
  };
}

/**
 * @internal The positions of every node of a tree, in document order, as pairs of start and end
 * offsets (-1 for a node without one): a structured clone (a worker's message) drops them, since
 * fast-xml-parser keeps them under a symbol.
 */
export function packPositions(root: RawNode): Int32Array {
  const out: number[] = [];
  walk(root, (node) => {
    const meta = metaOf(node);
    out.push(meta?.startIndex ?? -1, meta?.endIndex ?? -1);
  });
  return Int32Array.from(out);
}

/** Puts back the positions packPositions took, on a copy of the same tree. */
function restorePositions(root: RawNode, positions: Int32Array): void {
  let i = 0;
  walk(root, (node) => {
    const startIndex = positions[i++] ?? -1;
    const endIndex = positions[i++] ?? -1;
    if (startIndex >= 0) (node as Record<symbol, unknown>)[metaSymbol] = { startIndex, endIndex };
  });
}

function walk(node: RawNode, visit: (node: RawNode) => void): void {
  visit(node);
  const name = nodeName(node);
  const content = name === undefined ? undefined : node[name];
  if (Array.isArray(content)) for (const child of content as RawNode[]) walk(child, visit);
}

/**
 * Writes a document back to text. A file Jenkins wrote comes back byte for byte, edits aside.
 * Not kept: CRLF line ends inside the root (XML parsing turns them into LF) and character
 * references Jenkins would not write (`&#65;` comes back as `A`).
 *
 * This is a small writer of its own rather than fast-xml-parser's XMLBuilder: XStream writes
 * `<x></x>` for an empty string and `<x/>` for an empty element, and XMLBuilder can only write
 * one of the two for the whole document.
 */
export function serializeXml(doc: XmlDocument): string {
  return doc.prolog + writeNodes([doc.root.raw]) + doc.epilogue;
}

function writeNodes(nodes: readonly RawNode[]): string {
  let out = '';
  for (const node of nodes) {
    const name = nodeName(node);
    if (name === undefined) continue;
    const value = node[name];
    if (name === TEXT) {
      out += escapeText(String(value));
    } else if (name === COMMENT) {
      out += `<!--${innerText(value)}-->`;
    } else if (name === CDATA) {
      out += `<![CDATA[${innerText(value).replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
    } else if (name.startsWith('?')) {
      out += `<${name}${writeAttributes(node[ATTRS])}?>`;
    } else {
      const content = Array.isArray(value) ? (value as RawNode[]) : [];
      const start = `<${name}${writeAttributes(node[ATTRS])}`;
      out += content.length === 0 ? `${start}/>` : `${start}>${writeNodes(content)}</${name}>`;
    }
  }
  return out;
}

function writeAttributes(attrs: unknown): string {
  if (attrs === undefined || attrs === null || typeof attrs !== 'object') return '';
  let out = '';
  for (const [name, value] of Object.entries(attrs as Record<string, unknown>)) {
    out += ` ${name}="${escapeText(String(value))}"`;
  }
  return out;
}

/** The text inside a comment or CDATA node (`[{ '#text': ... }]`). */
function innerText(value: unknown): string {
  if (!Array.isArray(value)) return '';
  return (value as RawNode[]).map((part) => (typeof part[TEXT] === 'string' ? part[TEXT] : '')).join('');
}

/** The declaration Jenkins puts on every file it writes. */
export const JENKINS_XML_DECLARATION = "<?xml version='1.1' encoding='UTF-8'?>";

/**
 * A document built in memory (for files Steward writes, like build.xml), laid out the way
 * XStream's PrettyPrintWriter does: two-space indent, one element per line.
 */
export function createXmlDocument(root: XmlSpec, file: string): XmlDocument {
  const origin: Origin = { file, lineStarts: [], version: '1.0' };
  return {
    file,
    prolog: `${JENKINS_XML_DECLARATION}\n`,
    root: new XmlElementHandle(buildRaw(root, 0), origin, ''),
    epilogue: '',
  };
}

/**
 * An element to build: text (`''` gives `<x></x>`), or child elements, or neither (`<x/>`),
 * the way XStream tells an empty string from an empty collection.
 */
export interface XmlSpec {
  readonly name: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly text?: string;
  readonly children?: readonly XmlSpec[];
}

/**
 * Writes a spec straight to text, laid out as `createXmlDocument` lays it out (two-space indent
 * from `depth`), without building a tree first: for files Steward writes often, like queue.xml.
 */
export function writeXmlSpec(spec: XmlSpec, depth = 0): string {
  let attrs = '';
  if (spec.attributes !== undefined) {
    for (const [k, v] of Object.entries(spec.attributes)) attrs += ` ${k}="${escapeText(v)}"`;
  }
  if (spec.children !== undefined && spec.children.length > 0) {
    const indent = `\n${'  '.repeat(depth + 1)}`;
    let out = `<${spec.name}${attrs}>`;
    for (const child of spec.children) out += indent + writeXmlSpec(child, depth + 1);
    return `${out}\n${'  '.repeat(depth)}</${spec.name}>`;
  }
  if (spec.text !== undefined) return `<${spec.name}${attrs}>${escapeText(spec.text)}</${spec.name}>`;
  return `<${spec.name}${attrs}/>`;
}

function buildRaw(spec: XmlSpec, depth: number): RawNode {
  const content: RawNode[] = [];
  if (spec.children !== undefined && spec.children.length > 0) {
    const indent = `\n${'  '.repeat(depth + 1)}`;
    for (const child of spec.children) {
      content.push({ [TEXT]: indent }, buildRaw(child, depth + 1));
    }
    content.push({ [TEXT]: `\n${'  '.repeat(depth)}` });
  } else if (spec.text !== undefined) {
    content.push({ [TEXT]: spec.text });
  }
  const node: RawNode = { [spec.name]: content };
  if (spec.attributes !== undefined && Object.keys(spec.attributes).length > 0) {
    node[ATTRS] = { ...spec.attributes };
  }
  return node;
}

/**
 * A typed view of one element of an XmlDocument. Reads and edits go straight to the underlying
 * node, so `serializeXml` sees every edit.
 */
export class XmlElementHandle {
  /** @internal the fast-xml-parser node; only xml.ts looks inside. */
  readonly raw: RawNode;
  readonly name: string;
  /**
   * Where the element sits below the root, as Steward names fields in errors:
   * `properties/hudson.model.ParametersDefinitionProperty/parameterDefinitions/
   * hudson.model.StringParameterDefinition[2]/name` (`[n]` counts same-named siblings from 1,
   * and appears when the element was reached by listing children). The root's path is ''.
   */
  readonly path: string;
  readonly #origin: Origin;

  /** @internal */
  constructor(raw: RawNode, origin: Origin, path: string) {
    this.raw = raw;
    this.name = nodeName(raw) ?? '';
    this.#origin = origin;
    this.path = path;
  }

  /** The file of the document this element belongs to. */
  get file(): string {
    return this.#origin.file;
  }

  /** Line (1-based) of the element's start tag, when it came from parsed text. */
  get line(): number | undefined {
    return this.#position()?.line;
  }

  /** Column (1-based) of the element's start tag, when it came from parsed text. */
  get column(): number | undefined {
    return this.#position()?.column;
  }

  #position(): { line: number; column: number } | undefined {
    this.#origin.restorePositions?.();
    const meta = metaOf(this.raw);
    if (meta === undefined || this.#origin.lineStarts.length === 0) return undefined;
    return positionOf(this.#origin, meta.startIndex);
  }

  /** The path a child called `name` has (or would have) below this element. */
  childPath(name: string, index?: number): string {
    const step = index === undefined ? name : `${name}[${index}]`;
    return this.path === '' ? step : `${this.path}/${step}`;
  }

  attribute(name: string): string | undefined {
    const attrs = this.raw[ATTRS];
    if (attrs === undefined || attrs === null || typeof attrs !== 'object') return undefined;
    const value = (attrs as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  }

  /** Every attribute, as written. */
  attributes(): Record<string, string> {
    const attrs = this.raw[ATTRS];
    const out: Record<string, string> = {};
    if (attrs === undefined || attrs === null || typeof attrs !== 'object') return out;
    for (const [k, v] of Object.entries(attrs as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
    return out;
  }

  /**
   * The element as an XmlSpec, to be written again elsewhere (an action kept from one build
   * record to the next): its attributes, and its child elements or else its text. Comments and
   * text between child elements are not kept.
   */
  toSpec(): XmlSpec {
    const attributes = this.attributes();
    const children = this.children().map((c) => c.toSpec());
    const hasAttributes = Object.keys(attributes).length > 0;
    if (children.length > 0) return { name: this.name, ...(hasAttributes ? { attributes } : {}), children };
    const text = this.#content().some((n) => TEXT in n || CDATA in n) ? this.text() : undefined;
    return { name: this.name, ...(hasAttributes ? { attributes } : {}), ...(text === undefined ? {} : { text }) };
  }

  /** Child elements in document order, each with an indexed path (`name[n]`). */
  children(): XmlElementHandle[] {
    const counts = new Map<string, number>();
    const out: XmlElementHandle[] = [];
    for (const node of this.#content()) {
      const name = nodeName(node);
      if (name === undefined || !isElementName(name)) continue;
      const n = (counts.get(name) ?? 0) + 1;
      counts.set(name, n);
      out.push(new XmlElementHandle(node, this.#origin, this.childPath(name, n)));
    }
    return out;
  }

  /** Child elements called `name`, in document order. */
  childrenNamed(name: string): XmlElementHandle[] {
    return this.children().filter((c) => c.name === name);
  }

  /** The first child element called `name`. */
  child(name: string): XmlElementHandle | undefined {
    const node = this.#content().find((n) => nodeName(n) === name);
    return node === undefined ? undefined : new XmlElementHandle(node, this.#origin, this.childPath(name));
  }

  /** Follows a `/`-separated path of child names, e.g. `info/propertiesContent`. */
  descendant(path: string): XmlElementHandle | undefined {
    return path.split('/').reduce<XmlElementHandle | undefined>((at, name) => at?.child(name), this);
  }

  /** The element's text: its text and CDATA children joined (entities already decoded). */
  text(): string {
    let out = '';
    for (const node of this.#content()) {
      const value = node[TEXT];
      if (typeof value === 'string') out += value;
      const cdata = node[CDATA];
      if (Array.isArray(cdata)) {
        for (const part of cdata as RawNode[]) {
          if (typeof part[TEXT] === 'string') out += part[TEXT];
        }
      }
    }
    return out;
  }

  /** The text of child `name`, or undefined when there is no such child. */
  childText(name: string): string | undefined {
    return this.child(name)?.text();
  }

  /**
   * Replaces the element's text and CDATA children with `value`; child elements stay. An empty
   * string is written `<x></x>`, as XStream writes an empty string.
   */
  setText(value: string): void {
    const content = this.#content().filter((n) => !(TEXT in n) && !(CDATA in n));
    content.unshift({ [TEXT]: value });
    this.raw[this.name] = content;
  }

  /**
   * Sets the text of child `name`, creating the child when missing. A new child goes after the
   * last existing sibling named in `after` (Jenkins' field order), else first, indented like its
   * siblings.
   */
  setChildText(name: string, value: string, after: readonly string[] = []): XmlElementHandle {
    const existing = this.child(name);
    if (existing !== undefined) {
      existing.setText(value);
      return existing;
    }
    const content = this.#content();
    const node: RawNode = { [name]: [{ [TEXT]: value }] };
    const firstElement = content.findIndex((n) => isElementName(nodeName(n) ?? '#'));
    const before = firstElement > 0 ? content[firstElement - 1] : undefined;
    const indent = before !== undefined && typeof before[TEXT] === 'string' ? before[TEXT] : undefined;
    let anchor = -1;
    for (const [i, n] of content.entries()) {
      if (after.includes(nodeName(n) ?? '')) anchor = i;
    }
    if (indent === undefined) {
      content.splice(anchor + 1, 0, node);
    } else if (anchor === -1) {
      // Before the first element, after the whitespace that indents it.
      content.splice(firstElement, 0, node, { [TEXT]: indent });
    } else {
      content.splice(anchor + 1, 0, { [TEXT]: indent }, node);
    }
    this.raw[this.name] = content;
    return new XmlElementHandle(node, this.#origin, this.childPath(name));
  }

  #content(): RawNode[] {
    const content = this.raw[this.name];
    return Array.isArray(content) ? (content as RawNode[]) : [];
  }
}

function nodeName(node: RawNode): string | undefined {
  return Object.keys(node).find((k) => k !== ATTRS);
}

function isElementName(name: string | undefined): name is string {
  return name !== undefined && name !== TEXT && name !== COMMENT && name !== CDATA && !name.startsWith('?');
}

function metaOf(node: RawNode): { startIndex: number; endIndex: number } | undefined {
  const meta = (node as Record<symbol, unknown>)[metaSymbol];
  if (meta === undefined || meta === null || typeof meta !== 'object') return undefined;
  const { startIndex, endIndex } = meta as { startIndex?: unknown; endIndex?: unknown };
  if (typeof startIndex !== 'number' || typeof endIndex !== 'number') return undefined;
  return { startIndex, endIndex };
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function positionOf(origin: Origin, offset: number): { line: number; column: number } {
  const starts = origin.lineStarts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
}

function malformed(file: string, msg: string, line: number, column: number | undefined): StewardError {
  const where = column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
  return new StewardError('STW_XML_MALFORMED', `${where}: ${msg}`, { file, line, ...(column === undefined ? {} : { column }) });
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five XML entities and character references in one pass. */
function decodeEntities(value: string, origin: Origin, source: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    const named = NAMED_ENTITIES[ref];
    if (named !== undefined && whole.endsWith(';')) return named;
    const code = /^#x([0-9a-fA-F]+)$/.exec(ref)?.[1] ?? /^#([0-9]+)$/.exec(ref)?.[1];
    const at = () => positionOf(origin, Math.max(0, source.indexOf(whole)));
    if (code !== undefined && whole.endsWith(';')) {
      const point = ref.startsWith('#x') ? parseInt(code, 16) : parseInt(code, 10);
      if (isReferable(point, origin.version)) return String.fromCodePoint(point);
      // A NUL or a surrogate would reach a build's environment or a file name; XML forbids them.
      const name = point > 0x10ffff ? 'a number beyond Unicode' : codePointName(point);
      const { line, column } = at();
      throw malformed(origin.file, `'${whole}' refers to ${name}, which XML ${origin.version} does not allow`, line, column);
    }
    const { line, column } = at();
    throw malformed(origin.file, `unknown entity reference '${whole}'`, line, column);
  });
}

function decodeTree(node: RawNode, origin: Origin, source: string): void {
  const name = nodeName(node);
  if (name === undefined) return;
  const value = node[name];
  if (name === TEXT && typeof value === 'string') {
    node[TEXT] = decodeEntities(value, origin, source);
    return;
  }
  if (name === COMMENT || name === CDATA) return;
  const attrs = node[ATTRS];
  if (attrs !== undefined && attrs !== null && typeof attrs === 'object') {
    const record = attrs as Record<string, unknown>;
    for (const [k, v] of Object.entries(record)) {
      if (typeof v === 'string') record[k] = decodeEntities(v, origin, source);
    }
  }
  if (Array.isArray(value)) {
    for (const child of value as RawNode[]) decodeTree(child, origin, source);
    // fast-xml-parser reads <x></x> and <x/> alike; XStream means different things by them
    // (empty string, empty collection), so an empty text node keeps <x></x> apart.
    const meta = metaOf(node);
    if (value.length === 0 && meta !== undefined && source.slice(meta.endIndex - 2, meta.endIndex) !== '/>') {
      value.push({ [TEXT]: '' });
    }
  }
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Escapes text and attribute values as XStream's PrettyPrintWriter does in XML 1.1 mode: the
 * markup characters, both quotes, and control characters as `&#x..;` (so `\r` is `&#xd;`); tab
 * and newline stay literal.
 */
export function escapeText(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is matched
  return value.replace(/[&<>"'\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => ESCAPES[c] ?? `&#x${c.charCodeAt(0).toString(16)};`);
}
