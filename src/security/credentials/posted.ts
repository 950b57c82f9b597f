import { StewardError } from '../../errors/index.js';
import { parseXmlOffLoop, type XmlElementHandle } from '../../xml/index.js';
import { secretBytesFromString, secretFromString, type SecretKeys } from '../secrets/index.js';
import { CREDENTIALS_CLASSES, type CredentialsInput, type CredentialsKind, type CredentialsScope, type CredentialsUpdate } from './types.js';

/** Where posted XML comes from, for messages: `POST createCredentials`. */
const POSTED = 'the posted credentials';

const KIND_OF = new Map<string, CredentialsKind>(Object.entries(CREDENTIALS_CLASSES).map(([kind, cls]) => [cls, kind as CredentialsKind]));

function fail(message: string, el: XmlElementHandle, field?: string): never {
  throw new StewardError('STW_CONFIG_INVALID', `${POSTED}: ${message}`, {
    field: field ?? el.name,
    ...(el.line === undefined ? {} : { line: el.line }),
  });
}

function scopeOf(root: XmlElementHandle): CredentialsScope | undefined {
  const text = root.childText('scope')?.trim();
  if (text === undefined || text === '') return undefined;
  if (text !== 'GLOBAL' && text !== 'SYSTEM') fail(`<scope> must be GLOBAL or SYSTEM, not "${text}"`, root, 'scope');
  return text;
}

/** A Secret field as Jenkins' Secret.fromString reads it: an encrypted form is decrypted, other text is the value. */
function secretField(root: XmlElementHandle, path: string, keys: SecretKeys): string | undefined {
  const el = root.descendant(path);
  if (el === undefined) return undefined;
  return secretFromString(el.text(), keys, { file: POSTED, field: path, ...(el.line === undefined ? {} : { line: el.line }) });
}

function text(root: XmlElementHandle, name: string): string | undefined {
  return root.childText(name) ?? undefined;
}

function bool(root: XmlElementHandle, name: string): boolean | undefined {
  const t = root.childText(name)?.trim();
  return t === undefined || t === '' ? undefined : t === 'true';
}

function kindOf(root: XmlElementHandle): CredentialsKind {
  const kind = KIND_OF.get(root.name);
  if (kind === undefined) {
    fail(`<${root.name}> is not a kind of credentials Steward stores; it has ${[...KIND_OF.keys()].join(', ')}`, root);
  }
  return kind;
}

async function parsePosted(xml: string): Promise<XmlElementHandle> {
  if (xml.trim() === '') throw new StewardError('STW_CONFIG_INVALID', `${POSTED}: the body is empty; post the credentials' XML (Content-Type: application/xml)`);
  // A secret file's content can make it large: parsed off the event loop then.
  return (await parseXmlOffLoop(xml, POSTED)).root;
}

function checkDirectEntry(root: XmlElementHandle): void {
  const source = root.child('privateKeySource')?.attribute('class');
  if (source !== undefined && !source.endsWith('$DirectEntryPrivateKeySource')) {
    fail(`privateKeySource ${source} is not supported; enter the key directly (BasicSSHUserPrivateKey$DirectEntryPrivateKeySource)`, root, 'privateKeySource');
  }
}

/**
 * New credentials from the XML the credentials plugin's REST API takes (`POST createCredentials`
 * with a `<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>`...):
 * secret fields in clear, or encrypted in Steward's or Jenkins' form. The values are returned in
 * clear, to be encrypted by the store; errors never hold them.
 */
export async function parsePostedCredentials(xml: string, keys: SecretKeys): Promise<CredentialsInput> {
  const root = await parsePosted(xml);
  const kind = kindOf(root);
  const common = { id: text(root, 'id')?.trim(), description: text(root, 'description'), scope: scopeOf(root) };
  const required = (value: string | undefined, field: string): string => value ?? fail(`<${field}> is required`, root, field);
  switch (kind) {
    case 'usernamePassword':
      return {
        ...common,
        kind,
        username: required(text(root, 'username'), 'username'),
        password: required(secretField(root, 'password', keys), 'password'),
        usernameSecret: bool(root, 'usernameSecret'),
      };
    case 'string':
      return { ...common, kind, secret: required(secretField(root, 'secret', keys), 'secret') };
    case 'sshPrivateKey':
      checkDirectEntry(root);
      return {
        ...common,
        kind,
        username: required(text(root, 'username'), 'username'),
        privateKey: required(secretField(root, 'privateKeySource/privateKey', keys), 'privateKeySource/privateKey'),
        passphrase: secretField(root, 'passphrase', keys),
        usernameSecret: bool(root, 'usernameSecret'),
      };
    case 'file': {
      const bytes = root.child('secretBytes');
      if (bytes === undefined) fail('<secretBytes> (the file, in base64) is required', root, 'secretBytes');
      return {
        ...common,
        kind,
        fileName: required(text(root, 'fileName'), 'fileName'),
        content: secretBytesFromString(bytes.text(), keys, { file: POSTED, field: 'secretBytes', ...(bytes.line === undefined ? {} : { line: bytes.line }) }),
      };
    }
  }
}

/**
 * Changes from posted XML (`POST credential/ID/config.xml`): the fields present change, and a
 * secret left out keeps its stored value. The id, when given, must be the credential's.
 */
export async function parsePostedUpdate(xml: string, id: string, keys: SecretKeys): Promise<CredentialsUpdate> {
  const root = await parsePosted(xml);
  const kind = kindOf(root);
  const postedId = text(root, 'id')?.trim();
  if (postedId !== undefined && postedId !== '' && postedId !== id) {
    fail(`<id> is "${postedId}", but these are credentials '${id}'; an id cannot change`, root, 'id');
  }
  const common = { description: text(root, 'description'), scope: scopeOf(root) };
  switch (kind) {
    case 'usernamePassword':
      return { ...common, kind, username: text(root, 'username'), password: secretField(root, 'password', keys), usernameSecret: bool(root, 'usernameSecret') };
    case 'string':
      return { ...common, kind, secret: secretField(root, 'secret', keys) };
    case 'sshPrivateKey':
      checkDirectEntry(root);
      return {
        ...common,
        kind,
        username: text(root, 'username'),
        privateKey: secretField(root, 'privateKeySource/privateKey', keys),
        passphrase: secretField(root, 'passphrase', keys),
        usernameSecret: bool(root, 'usernameSecret'),
      };
    case 'file': {
      const bytes = root.child('secretBytes');
      return {
        ...common,
        kind,
        fileName: text(root, 'fileName'),
        content: bytes === undefined ? undefined : secretBytesFromString(bytes.text(), keys, { file: POSTED, field: 'secretBytes' }),
      };
    }
  }
}
