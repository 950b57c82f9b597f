import { JENKINS_XML_DECLARATION, parseXml, type XmlDocument, type XmlElementHandle, type XmlSpec } from '../xml/index.js';
import { hashedTokenSpec, parseHashedToken, HASHED_TOKEN_ELEMENT, type HashedToken } from './api-token.js';
import { rewriteElement, writeXmlSpec } from './xml-edit.js';

/*
 * users/<dir>/config.xml, as Jenkins 2.x writes it:
 *
 *   <user>
 *     <version>10</version>
 *     <id>admin</id>
 *     <fullName>Admin</fullName>
 *     <properties>
 *       <jenkins.security.ApiTokenProperty><tokenStore><tokenList>...HashedToken...</tokenList></tokenStore></...>
 *       <hudson.security.HudsonPrivateSecurityRealm_-Details><passwordHash>#jbcrypt:...</passwordHash></...>
 *       ...other user properties (mailer, views, preferences), kept as they are
 *     </properties>
 *   </user>
 *
 * A UserConfig is immutable: each change gives a new one, whose text() is what to save.
 */

const DETAILS = 'hudson.security.HudsonPrivateSecurityRealm_-Details';
const TOKEN_PROPERTY = 'jenkins.security.ApiTokenProperty';

export class UserConfig {
  readonly #doc: XmlDocument;
  readonly #text: string;

  private constructor(text: string, file: string) {
    this.#text = text;
    this.#doc = parseXml(text, file);
  }

  /** Parses a config.xml; STW_XML_MALFORMED when it is not XML. */
  static parse(text: string, file: string): UserConfig {
    return new UserConfig(text, file);
  }

  static create(id: string, fullName: string, passwordHash: string, file: string): UserConfig {
    const body = writeXmlSpec({
      name: 'user',
      children: [
        { name: 'version', text: '10' },
        { name: 'id', text: id },
        { name: 'fullName', text: fullName },
        {
          name: 'properties',
          children: [
            { name: TOKEN_PROPERTY, children: [{ name: 'tokenStore', children: [{ name: 'tokenList' }] }] },
            { name: DETAILS, children: [{ name: 'passwordHash', text: passwordHash }] },
          ],
        },
      ],
    });
    return new UserConfig(`${JENKINS_XML_DECLARATION}\n${body}`, file);
  }

  /** The file's text, to save. */
  text(): string {
    return this.#text;
  }

  get id(): string | undefined {
    return this.#root.childText('id')?.trim();
  }

  get fullName(): string | undefined {
    return this.#root.childText('fullName');
  }

  get passwordHash(): string | undefined {
    return this.#root.child('properties')?.child(DETAILS)?.childText('passwordHash')?.trim();
  }

  get tokens(): HashedToken[] {
    const list = this.#root.descendant(`properties/${TOKEN_PROPERTY}/tokenStore/tokenList`);
    if (list === undefined) return [];
    return list
      .childrenNamed(HASHED_TOKEN_ELEMENT)
      .map(parseHashedToken)
      .filter((t): t is HashedToken => t !== undefined);
  }

  withPasswordHash(hash: string): UserConfig {
    const details = (depth: number): string => writeXmlSpec({ name: DETAILS, children: [{ name: 'passwordHash', text: hash }] }, depth);
    return this.#withProperty(DETAILS, (_el, depth) => details(depth), details(2));
  }

  withTokens(tokens: readonly HashedToken[]): UserConfig {
    const list: XmlSpec = { name: 'tokenList', children: tokens.map(hashedTokenSpec) };
    const store: XmlSpec = { name: 'tokenStore', children: [list] };
    const editStore = (el: XmlElementHandle, depth: number): string =>
      rewriteElement(el, depth, (c) => (c.name === 'tokenList' ? null : undefined), [writeXmlSpec(list, depth + 1)]);
    const editProperty = (el: XmlElementHandle, depth: number): string =>
      rewriteElement(
        el,
        depth,
        (c, d) => (c.name === 'tokenStore' ? editStore(c, d) : undefined),
        el.child('tokenStore') === undefined ? [writeXmlSpec(store, depth + 1)] : [],
      );
    return this.#withProperty(TOKEN_PROPERTY, editProperty, writeXmlSpec({ name: TOKEN_PROPERTY, children: [store] }, 2));
  }

  /** A copy with property `name` of `<properties>` rewritten (or added when missing). */
  #withProperty(name: string, edit: (el: XmlElementHandle, depth: number) => string, added: string): UserConfig {
    const root = this.#root;
    const hasProperties = root.child('properties') !== undefined;
    const text = rewriteElement(
      root,
      0,
      (child, depth) => {
        if (child.name !== 'properties') return undefined;
        const present = child.child(name) !== undefined;
        return rewriteElement(child, depth, (p, d) => (p.name === name ? edit(p, d) : undefined), present ? [] : [added]);
      },
      hasProperties ? [] : [`<properties>\n    ${added}\n  </properties>`],
    );
    return new UserConfig(this.#doc.prolog + text + this.#doc.epilogue, this.#doc.file);
  }

  get #root(): XmlElementHandle {
    return this.#doc.root;
  }
}
