/**
 * Limits on an XML document from outside (a config.xml posted or found in the home, posted
 * credentials), checked on the text before it is parsed, so that a document built to exhaust the
 * parser is refused for the price of a scan. Jenkins writes nothing near them: a freestyle
 * config.xml is a few KiB and a few hundred elements (the largest fixtures here are 7 KiB and 300
 * elements), a credentials.xml of a thousand entries about 1 MiB and 15,000 elements, and XStream
 * nests a job's fields about 10 deep.
 */
export const XML_LIMITS: XmlLimits = {
  maxBytes: 4 * 1024 * 1024,
  maxElements: 100_000,
  maxAttributes: 100_000,
  /** XStream writes at most a few (`class`, `plugin`, `reference`); a huge map is slow to copy. */
  maxAttributesPerElement: 256,
  /** Also fast-xml-parser's own limit; checked here first so that the refusal says where. */
  maxDepth: 100,
};

export interface XmlLimits {
  readonly maxBytes: number;
  readonly maxElements: number;
  readonly maxAttributes: number;
  readonly maxAttributesPerElement: number;
  readonly maxDepth: number;
}

/**
 * For queue.xml, which Steward writes itself and whose size follows the queue (about 15 elements
 * an item): a queue of 100,000 items must come back after a restart.
 */
export const QUEUE_XML_LIMITS: XmlLimits = { ...XML_LIMITS, maxBytes: 256 * 1024 * 1024, maxElements: 5_000_000, maxAttributes: 5_000_000 };

/** A limit the document goes beyond: what to say, and the offset of the element where it did. */
export interface LimitBreach {
  readonly message: string;
  readonly index: number;
}

const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOS = 0x27;

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * Counts elements, attributes and nesting depth in one pass over the markup, skipping comments,
 * CDATA and processing instructions (whose `<` are text). Text between tags is skipped with
 * indexOf, so the cost is in the tags. Text that is not well-formed is left to the parser: the
 * scan only stops at the first limit passed.
 */
export function findLimitBreach(text: string, limits: XmlLimits = XML_LIMITS): LimitBreach | undefined {
  let elements = 0;
  let attributes = 0;
  let depth = 0;
  let i = text.indexOf('<');
  while (i !== -1 && i < text.length) {
    const next = text.charCodeAt(i + 1);
    let end: number;
    if (next === BANG) {
      if (text.startsWith('<!--', i)) end = endOf(text, '-->', i + 4);
      else if (text.startsWith('<![CDATA[', i)) end = endOf(text, ']]>', i + 9);
      else end = endOf(text, '>', i + 2);
    } else if (next === QUESTION) {
      end = endOf(text, '?>', i + 2);
    } else if (next === SLASH) {
      depth--;
      end = endOf(text, '>', i + 2);
    } else {
      elements++;
      if (elements > limits.maxElements) return { message: `an XML document may have at most ${count(limits.maxElements)} elements`, index: i };
      // The start tag: up to the first `>` outside a quoted attribute value.
      let quote = 0;
      let own = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        const c = text.charCodeAt(j);
        if (quote !== 0) {
          if (c === quote) quote = 0;
        } else if (c === QUOTE || c === APOS) {
          quote = c;
        } else if (c === EQUALS) {
          own++;
        } else if (c === GT) {
          break;
        }
      }
      if (own > limits.maxAttributesPerElement) return { message: `an XML element may have at most ${limits.maxAttributesPerElement} attributes`, index: i };
      attributes += own;
      if (attributes > limits.maxAttributes) return { message: `an XML document may have at most ${count(limits.maxAttributes)} attributes`, index: i };
      if (text.charCodeAt(j - 1) !== SLASH) {
        depth++;
        if (depth > limits.maxDepth) return { message: `XML elements may be nested at most ${limits.maxDepth} deep`, index: i };
      }
      end = j + 1;
    }
    i = text.indexOf('<', end);
  }
  return undefined;
}

/** The offset just after `marker` found from `from`, or the end of the text. */
function endOf(text: string, marker: string, from: number): number {
  const at = text.indexOf(marker, from);
  return at === -1 ? text.length : at + marker.length;
}

