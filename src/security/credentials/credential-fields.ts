import { StewardError } from '../../errors/index.js';
import type { BuildCredential } from '../../jobs/index.js';
import type { XmlSpec } from '../../xml/index.js';
import {
  encryptSecret,
  encryptSecretBytes,
  isEncrypted,
  secretBytesFromString,
  secretFromString,
  type MasterKey,
  type SecretKeys,
  type SecretLocation,
} from '../secrets/index.js';
import { CREDENTIALS_FILE, type StoredCredentials } from './credentials-file.js';
import { CREDENTIALS_CLASSES, type CredentialsInfo, type CredentialsInput, type CredentialsKind, type CredentialsUpdate } from './types.js';

/*
 * The fields of each credentials kind, as the plugins' classes serialise them:
 *   UsernamePasswordCredentialsImpl  scope, id, description, username, password (Secret), usernameSecret
 *   StringCredentialsImpl            scope, id, description, secret (Secret)
 *   BasicSSHUserPrivateKey           scope, id, description, username, usernameSecret,
 *                                    privateKeySource class="...$DirectEntryPrivateKeySource" > privateKey (Secret),
 *                                    passphrase (Secret)
 *   FileCredentialsImpl              scope, id, description, fileName, secretBytes (SecretBytes)
 */

/** The key source whose key is stored in the file; the others (a file on the controller, ~/.ssh) are not read. */
export const DIRECT_ENTRY_KEY_SOURCE = 'com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey$DirectEntryPrivateKeySource';

/** A secret field: its path below the credential element, and whether it holds bytes (SecretBytes). */
interface SecretField {
  readonly path: string;
  readonly bytes: boolean;
}

const SECRET_FIELDS: Readonly<Record<CredentialsKind | 'other', readonly SecretField[]>> = {
  usernamePassword: [{ path: 'password', bytes: false }],
  string: [{ path: 'secret', bytes: false }],
  sshPrivateKey: [
    { path: 'privateKeySource/privateKey', bytes: false },
    { path: 'passphrase', bytes: false },
  ],
  file: [{ path: 'secretBytes', bytes: true }],
  other: [],
};

/** What may be shown of a stored credential. */
export function infoOf(c: StoredCredentials): CredentialsInfo {
  const el = c.element;
  const username = el.childText('username') ?? '';
  const fileName = el.childText('fileName');
  const showsUsername = (c.kind === 'usernamePassword' || c.kind === 'sshPrivateKey') && !usernameIsSecret(c);
  return {
    id: c.id,
    kind: c.kind,
    className: c.className,
    description: el.childText('description') ?? '',
    scope: scopeOf(c),
    domain: c.domain,
    ...(showsUsername ? { username } : {}),
    ...(c.kind === 'file' && fileName !== undefined ? { fileName } : {}),
  };
}

/** GLOBAL unless the file says otherwise. */
export function scopeOf(c: StoredCredentials): string {
  const scope = c.element.childText('scope')?.trim();
  return scope === undefined || scope === '' ? 'GLOBAL' : scope;
}

function usernameIsSecret(c: StoredCredentials): boolean {
  return c.element.childText('usernameSecret')?.trim().toLowerCase() === 'true';
}

/**
 * The credential with its values in clear, for a build. A value that does not decrypt is
 * STW_SECRET_INVALID naming credentials.xml, the line and `id/field`; a credential builds cannot
 * use (an unknown class, an SSH key not stored in the file) is STW_CONFIG_INVALID.
 */
export function openCredential(c: StoredCredentials, keys: SecretKeys): BuildCredential {
  const el = c.element;
  const at = (path: string): SecretLocation => {
    const line = el.descendant(path)?.line;
    return { file: CREDENTIALS_FILE, ...(line === undefined ? {} : { line }), field: `${c.id}/${path}` };
  };
  const secret = (path: string): string => secretFromString(el.descendant(path)?.text() ?? '', keys, at(path));
  switch (c.kind) {
    case 'usernamePassword':
      return { kind: c.kind, id: c.id, username: el.childText('username') ?? '', password: secret('password'), usernameSecret: usernameIsSecret(c) };
    case 'string':
      return { kind: c.kind, id: c.id, secret: secret('secret') };
    case 'sshPrivateKey': {
      const source = el.child('privateKeySource')?.attribute('class');
      if (source !== DIRECT_ENTRY_KEY_SOURCE) {
        throw new StewardError(
          'STW_CONFIG_INVALID',
          `credentials '${c.id}' take their SSH key from ${source ?? 'nowhere'}, which this controller does not read; enter the key directly`,
          { file: CREDENTIALS_FILE, field: `${c.id}/privateKeySource` },
        );
      }
      return {
        kind: c.kind,
        id: c.id,
        username: el.childText('username') ?? '',
        usernameSecret: usernameIsSecret(c),
        privateKey: secret('privateKeySource/privateKey'),
        passphrase: el.child('passphrase') === undefined ? '' : secret('passphrase'),
      };
    }
    case 'file': {
      const stored = el.childText('secretBytes');
      if (stored === undefined) {
        throw new StewardError('STW_CONFIG_INVALID', `credentials '${c.id}' hold no <secretBytes>; upload the file again`, {
          file: CREDENTIALS_FILE,
          field: `${c.id}/secretBytes`,
        });
      }
      return { kind: c.kind, id: c.id, fileName: el.childText('fileName') ?? c.id, content: secretBytesFromString(stored, keys, at('secretBytes')) };
    }
    case 'other':
      throw new StewardError('STW_CONFIG_INVALID', `credentials '${c.id}' are of class ${c.className}, which builds on this controller cannot bind`, {
        file: CREDENTIALS_FILE,
        field: c.id,
      });
  }
}

/** The element of a new credential, secrets encrypted with the master key. */
export function credentialSpec(input: CredentialsInput, id: string, key: MasterKey): XmlSpec {
  const head: XmlSpec[] = [
    { name: 'scope', text: input.scope ?? 'GLOBAL' },
    { name: 'id', text: id },
    { name: 'description', text: input.description ?? '' },
  ];
  const name = CREDENTIALS_CLASSES[input.kind];
  switch (input.kind) {
    case 'usernamePassword':
      return {
        name,
        children: [
          ...head,
          { name: 'username', text: input.username },
          { name: 'password', text: encryptSecret(key, input.password) },
          { name: 'usernameSecret', text: String(input.usernameSecret ?? false) },
        ],
      };
    case 'string':
      return { name, children: [...head, { name: 'secret', text: encryptSecret(key, input.secret) }] };
    case 'sshPrivateKey':
      return {
        name,
        children: [
          ...head,
          { name: 'username', text: input.username },
          { name: 'usernameSecret', text: String(input.usernameSecret ?? false) },
          keySourceSpec(encryptSecret(key, input.privateKey)),
          { name: 'passphrase', text: encryptSecret(key, input.passphrase ?? '') },
        ],
      };
    case 'file':
      return {
        name,
        children: [...head, { name: 'fileName', text: input.fileName }, { name: 'secretBytes', text: encryptSecretBytes(key, input.content) }],
      };
  }
}

/**
 * The fields an update sets, by child element name (a field the element lacks is added). Secrets
 * are encrypted with the master key.
 */
export function updateFields(update: CredentialsUpdate, key: MasterKey): Map<string, XmlSpec> {
  const fields = new Map<string, XmlSpec>();
  const text = (name: string, value: string | undefined): void => {
    if (value !== undefined) fields.set(name, { name, text: value });
  };
  text('scope', update.scope);
  text('description', update.description);
  switch (update.kind) {
    case 'usernamePassword':
      text('username', update.username);
      text('password', update.password === undefined ? undefined : encryptSecret(key, update.password));
      text('usernameSecret', update.usernameSecret === undefined ? undefined : String(update.usernameSecret));
      break;
    case 'string':
      text('secret', update.secret === undefined ? undefined : encryptSecret(key, update.secret));
      break;
    case 'sshPrivateKey':
      text('username', update.username);
      text('usernameSecret', update.usernameSecret === undefined ? undefined : String(update.usernameSecret));
      if (update.privateKey !== undefined) fields.set('privateKeySource', keySourceSpec(encryptSecret(key, update.privateKey)));
      text('passphrase', update.passphrase === undefined ? undefined : encryptSecret(key, update.passphrase));
      break;
    case 'file':
      text('fileName', update.fileName);
      text('secretBytes', update.content === undefined ? undefined : encryptSecretBytes(key, update.content));
      break;
  }
  return fields;
}

/**
 * Fields that rewrite the credential's secrets still held in Jenkins' form or in clear into
 * Steward's (`{STW1:...}`), as Jenkins re-encrypts every Secret when it saves. A value that does
 * not decrypt is left as it is: it holds no clear text, and reading it keeps failing with its
 * location. Empty values stay empty.
 */
export function migrationFields(c: StoredCredentials, keys: SecretKeys): Map<string, XmlSpec> {
  const fields = new Map<string, XmlSpec>();
  for (const field of SECRET_FIELDS[c.kind]) {
    const stored = c.element.descendant(field.path)?.text();
    if (stored === undefined || stored === '' || isEncrypted(stored)) continue;
    let encrypted: string;
    try {
      encrypted = field.bytes
        ? encryptSecretBytes(keys.master, secretBytesFromString(stored, keys))
        : encryptSecret(keys.master, secretFromString(stored, keys));
    } catch {
      continue;
    }
    if (field.path === 'privateKeySource/privateKey') {
      if (c.element.child('privateKeySource')?.attribute('class') === DIRECT_ENTRY_KEY_SOURCE) fields.set('privateKeySource', keySourceSpec(encrypted));
    } else {
      fields.set(field.path, { name: field.path, text: encrypted });
    }
  }
  return fields;
}

function keySourceSpec(encryptedKey: string): XmlSpec {
  return { name: 'privateKeySource', attributes: { class: DIRECT_ENTRY_KEY_SOURCE }, children: [{ name: 'privateKey', text: encryptedKey }] };
}
