import { JENKINS_XML_DECLARATION, parseXml } from '../xml/index.js';
import { writeXmlSpec } from './xml-edit.js';

/*
 * users/users.xml, Jenkins' UserIdMapper (2.150+): which folder under users/ holds each user.
 *
 *   <hudson.model.UserIdMapper>
 *     <version>1</version>
 *     <idToDirectoryNameMap class="concurrent-hash-map">
 *       <entry><string>admin</string><string>admin_6381223364155052540</string></entry>
 *     </idToDirectoryNameMap>
 *   </hudson.model.UserIdMapper>
 *
 * Keys are the ids' case-insensitive keys (lower case).
 */

export const USERS_XML = 'users/users.xml';

export function parseUserIdMap(text: string): Map<string, string> {
  const doc = parseXml(text, USERS_XML);
  const out = new Map<string, string>();
  for (const entry of doc.root.child('idToDirectoryNameMap')?.childrenNamed('entry') ?? []) {
    const [key, dir] = entry.childrenNamed('string').map((s) => s.text());
    if (key !== undefined && dir !== undefined && isSafeDirectoryName(dir)) out.set(key, dir);
  }
  return out;
}

export function writeUserIdMap(map: ReadonlyMap<string, string>): string {
  const entries = [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const body = writeXmlSpec({
    name: 'hudson.model.UserIdMapper',
    children: [
      { name: 'version', text: '1' },
      {
        name: 'idToDirectoryNameMap',
        attributes: { class: 'concurrent-hash-map' },
        children: entries.map(([key, dir]) => ({ name: 'entry', children: [{ name: 'string', text: key }, { name: 'string', text: dir }] })),
      },
    ],
  });
  return `${JENKINS_XML_DECLARATION}\n${body}`;
}

/** A folder name that stays inside users/ (users.xml comes from a file someone may edit). */
export function isSafeDirectoryName(dir: string): boolean {
  return dir !== '' && dir !== '.' && dir !== '..' && !/[/\\\0]/.test(dir);
}

/**
 * A new folder name as Jenkins makes one: the id, lower-cased, with characters other than
 * letters, digits and `_` replaced by `_`, cut to 15 characters, then `_` and 19 random digits.
 */
export function newDirectoryName(key: string, random: () => bigint): string {
  const prefix = key.replace(/[^a-z0-9_]/g, '_').slice(0, 15);
  return `${prefix}_${random().toString().padStart(19, '0').slice(-19)}`;
}
