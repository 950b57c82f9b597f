/**
 * The lossless XML model every part reads and writes its Jenkins files with (config.xml of jobs
 * and nodes, build.xml, queue.xml, users and credentials): what Jenkins wrote comes back byte for
 * byte, unknown plugin elements included. It loads only Node's modules, fast-xml-parser and
 * src/errors.
 *
 * Errors are StewardErrors: STW_XML_MALFORMED (with `file`, `line`, `column`) for text that is
 * not XML, STW_REQUEST_TOO_LARGE for text over {@link XML_LIMITS}, STW_CONFIG_INVALID (with
 * `file`, `field` as an element path, and `line` when known) from the field readers.
 *
 * @packageDocumentation
 */

/**
 * The lossless document model. {@link parseXml} keeps whitespace, comments, CDATA, attributes
 * and unknown elements; {@link serializeXml} gives back the same bytes for a file Jenkins wrote
 * (CRLF line ends become LF and `<x></x>` becomes `<x/>`, as Jenkins writes it).
 * {@link XmlElementHandle} navigates (`child`, `childrenNamed`, `children`, `descendant`),
 * reads (`text`, `childText`, `attribute`, `line`, `path`) and edits (`setText`, `setChildText`).
 */
export { parseXml, serializeXml, createXmlDocument, writeXmlSpec, escapeText, JENKINS_XML_DECLARATION, XmlElementHandle } from './xml.js';
export type { XmlDocument, XmlSpec } from './xml.js';

/**
 * What XML from outside may be: {@link XML_LIMITS} (4 MiB, 100,000 elements, 100,000 attributes
 * and 256 on one element, 100 deep), checked before parsing (STW_REQUEST_TOO_LARGE);
 * {@link QUEUE_XML_LIMITS} for queue.xml, which grows with the queue. {@link parseXmlOffLoop} is
 * parseXml with large text parsed on a worker thread, for text from HTTP or the home.
 */
export { XML_LIMITS, QUEUE_XML_LIMITS, type XmlLimits } from './xml-limits.js';
export { parseXmlOffLoop } from './xml-off-loop.js';

/**
 * Readers of scalar fields that name the field (its element path) and its line when the value is
 * wrong: {@link configInvalid} makes that STW_CONFIG_INVALID for any other check.
 */
export { configInvalid, readText, readBoolean, readInteger, requireInteger, readIntegerOr } from './values.js';
