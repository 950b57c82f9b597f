/**
 * The characters XML allows, per version. A Jenkins file declares `<?xml version='1.1'?>`
 * (XStream's XML 1.1 mode writes control characters as `&#x1b;`); a document without a
 * declaration, or with 1.0, is XML 1.0. https://www.w3.org/TR/xml11/#charsets
 */
export type XmlVersion = '1.0' | '1.1';

export function xmlVersionOf(text: string): XmlVersion {
  return /^\uFEFF?<\?xml\s+version\s*=\s*(["'])1\.1\1/.test(text) ? '1.1' : '1.0';
}

/**
 * Characters that may not appear as they are: outside Char in XML 1.0; in XML 1.1 also the
 * RestrictedChars (C0 controls but tab and line ends, DEL and C1 controls but U+0085), which only
 * a reference may give. Unpaired surrogates are matched as themselves (the `u` flag).
 */
const RAW_FORBIDDEN: Readonly<Record<XmlVersion, RegExp>> = {
  '1.0': /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u,
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is matched
  '1.1': /[\0-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|\p{Cs}/u,
};

/** The first character of `text` that XML `version` does not allow raw, with its offset. */
export function findForbiddenChar(text: string, version: XmlVersion): { index: number; point: number } | undefined {
  const found = RAW_FORBIDDEN[version].exec(text);
  return found === null ? undefined : { index: found.index, point: found[0].codePointAt(0) ?? 0 };
}

/**
 * Whether a character reference (`&#N;`) to `point` is allowed: never &#0;, a surrogate, U+FFFE,
 * U+FFFF or beyond U+10FFFF. &#1;..&#x1F; are XML 1.1's; they are read in an XML 1.0 document too,
 * because Jenkins' XStream wrote control characters that way in the `<?xml version='1.0'?>` files
 * of older homes, and Jenkins reads them back: refusing them would make such jobs unbuildable.
 */
export function isReferable(point: number, _version: XmlVersion): boolean {
  return point >= 0x1 && (point <= 0xd7ff || (point >= 0xe000 && point <= 0xfffd) || (point >= 0x10000 && point <= 0x10ffff));
}

/** `U+0000`, as Unicode names a character. */
export function codePointName(point: number): string {
  return `U+${point.toString(16).toUpperCase().padStart(4, '0')}`;
}
