import { StewardError } from '../../errors/index.js';
import { JENKINS_XML_DECLARATION, parseXml, writeXmlSpec, type XmlDocument, type XmlElementHandle, type XmlSpec } from '../../xml/index.js';
import { rewriteElement } from '../xml-edit.js';
import { CREDENTIALS_CLASSES, type CredentialsKind } from './types.js';

/*
 * credentials.xml, the credentials plugin's SystemCredentialsProvider as XStream writes it:
 *
 *   <com.cloudbees.plugins.credentials.SystemCredentialsProvider plugin="credentials@...">
 *     <domainCredentialsMap class="hudson.util.CopyOnWriteMap$Hash">
 *       <entry>
 *         <com.cloudbees.plugins.credentials.domains.Domain>      (no <name>: the global domain)
 *           <specifications/>
 *         </com.cloudbees.plugins.credentials.domains.Domain>
 *         <java.util.concurrent.CopyOnWriteArrayList>             (older files: <list>)
 *           <com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>...</...>
 *         </java.util.concurrent.CopyOnWriteArrayList>
 *       </entry>
 *       ...one entry per domain
 *     </domainCredentialsMap>
 *   </com.cloudbees.plugins.credentials.SystemCredentialsProvider>
 *
 * A CredentialsFile is immutable: each change gives a new one whose text() is what to save. What
 * Steward does not know (other domains, their specifications, other credentials classes, unknown
 * fields of known ones) is written back as it was read.
 */

/** The file, relative to the home. */
export const CREDENTIALS_FILE = 'credentials.xml';

const PROVIDER = 'com.cloudbees.plugins.credentials.SystemCredentialsProvider';
const MAP = 'domainCredentialsMap';
const DOMAIN = 'com.cloudbees.plugins.credentials.domains.Domain';
const LIST = 'java.util.concurrent.CopyOnWriteArrayList';
/** The credentials plugin release whose layout Steward writes a new file in. */
const PLUGIN = 'credentials@1319.v7eb_51b_3a_c97b_';

const KIND_OF_CLASS: ReadonlyMap<string, CredentialsKind> = new Map(
  Object.entries(CREDENTIALS_CLASSES).map(([kind, className]) => [className, kind as CredentialsKind]),
);

/** One credential as the file holds it: values as stored (encrypted or, in an imported file, clear). */
export interface StoredCredentials {
  readonly element: XmlElementHandle;
  readonly id: string;
  readonly className: string;
  readonly kind: CredentialsKind | 'other';
  /** The domain's name; undefined for the global domain. */
  readonly domain: string | undefined;
  /** Position among all credential elements of the file, in document order. */
  readonly ordinal: number;
}

/** What to do with one credential element: new text, `null` to drop it, `undefined` to keep it. */
export type CredentialEdit = (credential: StoredCredentials, depth: number) => string | null | undefined;

export class CredentialsFile {
  readonly #doc: XmlDocument;
  readonly #text: string;
  readonly credentials: readonly StoredCredentials[];

  private constructor(text: string) {
    this.#text = text;
    this.#doc = parseXml(text, CREDENTIALS_FILE);
    const root = this.#doc.root;
    if (root.name !== PROVIDER) {
      throw new StewardError('STW_CONFIG_INVALID', `${CREDENTIALS_FILE}: the root element is <${root.name}>, not <${PROVIDER}>`, {
        file: CREDENTIALS_FILE,
        field: root.name,
      });
    }
    const credentials: StoredCredentials[] = [];
    let ordinal = 0;
    for (const { domain, list } of entries(root)) {
      for (const element of list?.children() ?? []) {
        const id = element.childText('id')?.trim();
        const at = ordinal++;
        // An element without an id is not a credential anyone can use; it is kept in the file.
        if (id === undefined || id === '') continue;
        const className = element.name;
        credentials.push({ element, id, className, kind: KIND_OF_CLASS.get(className) ?? 'other', domain: domainName(domain), ordinal: at });
      }
    }
    this.credentials = credentials;
  }

  /** Reads the file's text; STW_XML_MALFORMED or STW_CONFIG_INVALID (file, line) when it is not one. */
  static parse(text: string): CredentialsFile {
    return new CredentialsFile(text);
  }

  /** A provider with an empty global domain, as Jenkins writes it before any credential exists. */
  static empty(): CredentialsFile {
    const spec: XmlSpec = {
      name: PROVIDER,
      attributes: { plugin: PLUGIN },
      children: [mapSpec([globalEntry([])])],
    };
    return new CredentialsFile(`${JENKINS_XML_DECLARATION}\n${writeXmlSpec(spec)}`);
  }

  /** The text to save. */
  text(): string {
    return this.#text;
  }

  /** The first credential with this id, in any domain. */
  find(id: string): StoredCredentials | undefined {
    return this.credentials.find((c) => c.id === id);
  }

  /**
   * A copy with each credential passed through `edit`, and `added` (if any) appended to the global
   * domain, which is created when the file has none.
   */
  rewrite(edit: CredentialEdit, added?: XmlSpec): CredentialsFile {
    const root = this.#doc.root;
    const byOrdinal = new Map(this.credentials.map((c) => [c.ordinal, c]));
    const hasMap = root.child(MAP) !== undefined;
    const hasGlobal = entries(root).some((e) => e.domain !== undefined && e.list !== undefined && domainName(e.domain) === undefined);
    // Credentials are numbered in the order the constructor read them: the first map's entries,
    // each entry's second child.
    let ordinal = 0;
    let mapSeen = false;
    let placed = added === undefined;
    const editList = (list: XmlElementHandle, depth: number, global: boolean): string => {
      const append = !placed && global ? [writeXmlSpec(added as XmlSpec, depth + 1)] : [];
      if (global) placed = true;
      return rewriteElement(
        list,
        depth,
        (_element, d) => {
          const stored = byOrdinal.get(ordinal++);
          return stored === undefined ? undefined : edit(stored, d);
        },
        append,
      );
    };
    const editEntry = (entry: XmlElementHandle, depth: number): string => {
      const [domain] = entry.children();
      const global = domain !== undefined && domainName(domain) === undefined;
      let index = 0;
      return rewriteElement(entry, depth, (child, d) => (index++ === 1 ? editList(child, d, global) : undefined));
    };
    const editMap = (map: XmlElementHandle, depth: number): string =>
      rewriteElement(
        map,
        depth,
        (child, d) => (child.name === 'entry' ? editEntry(child, d) : undefined),
        added !== undefined && !hasGlobal ? [writeXmlSpec(globalEntry([added]), depth + 1)] : [],
      );
    const text = rewriteElement(
      root,
      0,
      (child, depth) => {
        if (child.name !== MAP || mapSeen) return undefined;
        mapSeen = true;
        return editMap(child, depth);
      },
      added !== undefined && !hasMap ? [writeXmlSpec(mapSpec([globalEntry([added])]), 1)] : [],
    );
    return new CredentialsFile(this.#doc.prolog + text + this.#doc.epilogue);
  }
}

/** The entries of the domain map: each a Domain and its list of credentials. */
function entries(root: XmlElementHandle): { domain: XmlElementHandle | undefined; list: XmlElementHandle | undefined }[] {
  return (root.child(MAP)?.childrenNamed('entry') ?? []).map((entry) => {
    const [domain, list] = entry.children();
    return { domain, list };
  });
}

function domainName(domain: XmlElementHandle | undefined): string | undefined {
  const name = domain?.childText('name')?.trim();
  return name === undefined || name === '' ? undefined : name;
}

function mapSpec(entryList: readonly XmlSpec[]): XmlSpec {
  return { name: MAP, attributes: { class: 'hudson.util.CopyOnWriteMap$Hash' }, children: entryList };
}

function globalEntry(credentials: readonly XmlSpec[]): XmlSpec {
  return {
    name: 'entry',
    children: [
      { name: DOMAIN, children: [{ name: 'specifications' }] },
      { name: LIST, children: credentials },
    ],
  };
}
