import { randomUUID } from 'node:crypto';

import type { Logger } from 'pino';

import { StewardError, excerpt, isStewardError } from '../../errors/index.js';
import { KeyedSerializer, type HomeStore } from '../../home/index.js';
import { type BuildCredential } from '../../jobs/index.js';
import { writeXmlSpec, type XmlSpec } from '../../xml/index.js';
import type { SecretKeys } from '../secrets/index.js';
import type { AuditSink } from '../audit-log.js';
import { rewriteElement } from '../xml-edit.js';
import { credentialSpec, infoOf, migrationFields, openCredential, scopeOf, updateFields } from './credential-fields.js';
import { CREDENTIALS_FILE, CredentialsFile, type StoredCredentials } from './credentials-file.js';
import type { CredentialsInfo, CredentialsInput, CredentialsUpdate } from './types.js';

export interface CredentialsStoreOptions {
  /** Steward's master key, and Jenkins' keys when the home came from Jenkins. */
  keys: SecretKeys;
  audit?: AuditSink | undefined;
  logger?: Logger | undefined;
}

/** Jenkins' BaseStandardCredentials.DescriptorImpl.doCheckId, with a length limit. */
const ID_PATTERN = /^[a-zA-Z0-9_.-]{1,256}$/;

/**
 * The credentials of the home (Jenkins' SystemCredentialsProvider), kept in `credentials.xml` in
 * the credentials plugin's layout so an imported Jenkins file is read and written back with what
 * Steward does not know. Secret values are written encrypted with the master key; values in
 * Jenkins' form or (as provisioning scripts write them) in clear are read, and rewritten in
 * Steward's form at the next save. Nothing here returns a secret value except {@link forBuild}.
 *
 * Changes are made one at a time, each written through the home store before it is visible, and
 * audited without values.
 */
export class CredentialsStore {
  readonly #store: HomeStore;
  readonly #keys: SecretKeys;
  readonly #audit: AuditSink | undefined;
  readonly #log: Logger | undefined;
  readonly #writes = new KeyedSerializer();
  #file: CredentialsFile;

  private constructor(store: HomeStore, file: CredentialsFile, opts: CredentialsStoreOptions) {
    this.#store = store;
    this.#file = file;
    this.#keys = opts.keys;
    this.#audit = opts.audit;
    this.#log = opts.logger?.child({ component: 'credentials' });
  }

  /**
   * Reads `credentials.xml` (none yet: no credentials). A file that is not XML or not a
   * SystemCredentialsProvider is refused (STW_XML_MALFORMED, STW_CONFIG_INVALID naming it), so
   * that it is never overwritten. Values are not decrypted here: a damaged one fails the build
   * that uses it, naming it.
   */
  static async load(store: HomeStore, opts: CredentialsStoreOptions): Promise<CredentialsStore> {
    const text = await store.readText(CREDENTIALS_FILE);
    const file = text === undefined ? CredentialsFile.empty() : CredentialsFile.parse(text);
    const credentials = new CredentialsStore(store, file, opts);
    credentials.#log?.info({ credentials: file.credentials.length }, `loaded ${file.credentials.length} credentials from ${CREDENTIALS_FILE}`);
    return credentials;
  }

  /** Every credential, in file order, without any secret value. */
  list(): CredentialsInfo[] {
    return this.#file.credentials.map(infoOf);
  }

  /** One credential without any secret value; undefined when there is none with this id. */
  info(id: string): CredentialsInfo | undefined {
    const c = this.#file.find(id);
    return c === undefined ? undefined : infoOf(c);
  }

  /**
   * The credential `id` with its values in clear, for a build of `job`, as Jenkins'
   * CredentialsProvider.findCredentialById finds it: in any domain, GLOBAL scope only (SYSTEM
   * credentials are the controller's own). Undefined when there is none. A value that does not
   * decrypt is STW_SECRET_INVALID naming the file, the id and the job, never the value.
   */
  /**
   * The credential `id` as an agent launcher uses it (the SSH launcher logs in with it): GLOBAL or
   * SYSTEM scope, as Jenkins lets the controller's own launchers use SYSTEM credentials. Undefined
   * when there is none; a value that does not decrypt is STW_SECRET_INVALID naming the node.
   */
  async forNode(id: string, node: string): Promise<BuildCredential | undefined> {
    const c = this.#file.find(id);
    if (c === undefined) return undefined;
    try {
      return openCredential(c, this.#keys);
    } catch (err) {
      if (!isStewardError(err)) throw err;
      throw new StewardError(err.code, `credentials '${id}' cannot be used to start agent ${node}: ${err.message}`, { field: err.field ?? id });
    }
  }

  async forBuild(id: string, job: string): Promise<BuildCredential | undefined> {
    const c = this.#file.find(id);
    if (c === undefined || scopeOf(c) !== 'GLOBAL') return undefined;
    try {
      return openCredential(c, this.#keys);
    } catch (err) {
      if (!isStewardError(err)) throw err;
      const where = { ...(err.file === undefined ? {} : { file: err.file }), ...(err.line === undefined ? {} : { line: err.line }) };
      throw new StewardError(err.code, `credentials '${id}' cannot be used by job ${job}: ${err.message}`, { ...where, field: err.field ?? id });
    }
  }

  /**
   * Adds a credential to the global domain. STW_CREDENTIALS_EXISTS when the id is taken (in any
   * domain), STW_REQUEST_INVALID for an id or value Jenkins would refuse.
   */
  async create(input: CredentialsInput, actor?: string): Promise<CredentialsInfo> {
    const id = input.id === undefined || input.id === '' ? randomUUID() : input.id;
    checkId(id);
    checkInput(input);
    return this.#change(async (file) => {
      if (file.find(id) !== undefined) {
        throw new StewardError('STW_CREDENTIALS_EXISTS', `credentials with the id '${excerpt(id)}' already exist`, { field: 'id' });
      }
      const next = this.#migrated(file, new Map(), credentialSpec(input, id, this.#keys.master));
      const created = next.find(id);
      if (created === undefined) throw new StewardError('STW_INTERNAL', `credentials '${id}' were not added to ${CREDENTIALS_FILE}`);
      await this.#save(next);
      await this.#audit?.record({ type: 'credentials.created', credentialsId: id, kind: created.className, ...(actor === undefined ? {} : { actor }) });
      return infoOf(created);
    });
  }

  /**
   * Changes the fields given; secrets not given keep their stored value. STW_CREDENTIALS_NOT_FOUND
   * for an unknown id, STW_REQUEST_INVALID when `changes.kind` is not the credential's kind.
   */
  async update(id: string, changes: CredentialsUpdate, actor?: string): Promise<CredentialsInfo> {
    checkUpdate(changes);
    return this.#change(async (file) => {
      const c = requireCredential(file, id);
      if (c.kind !== changes.kind) {
        throw new StewardError(
          'STW_REQUEST_INVALID',
          c.kind === 'other'
            ? `credentials '${id}' are of class ${c.className}, which Steward does not edit`
            : `credentials '${id}' are of kind ${c.kind}, not ${changes.kind}; delete and create them to change their kind`,
          { field: 'kind' },
        );
      }
      const next = this.#migrated(file, new Map([[c.ordinal, updateFields(changes, this.#keys.master)]]));
      const updated = requireCredential(next, id);
      await this.#save(next);
      await this.#audit?.record({ type: 'credentials.updated', credentialsId: id, kind: c.className, ...(actor === undefined ? {} : { actor }) });
      return infoOf(updated);
    });
  }

  /** Removes a credential (any class, any domain). STW_CREDENTIALS_NOT_FOUND for an unknown id. */
  async delete(id: string, actor?: string): Promise<void> {
    await this.#change(async (file) => {
      const c = requireCredential(file, id);
      const next = this.#migrated(file, new Map(), undefined, c.ordinal);
      await this.#save(next);
      await this.#audit?.record({ type: 'credentials.deleted', credentialsId: id, kind: c.className, ...(actor === undefined ? {} : { actor }) });
    });
  }

  /** Runs one read-modify-write of the file at a time, on the file as the previous one left it. */
  #change<T>(task: (file: CredentialsFile) => Promise<T>): Promise<T> {
    return this.#writes.run(CREDENTIALS_FILE, () => task(this.#file));
  }

  async #save(next: CredentialsFile): Promise<void> {
    await this.#store.writeAtomic(CREDENTIALS_FILE, next.text(), { mode: 0o600 });
    this.#file = next;
  }

  /**
   * The file with `fields` set on the credentials at those ordinals, `removed` dropped, `added`
   * appended, and every secret still in Jenkins' form or in clear re-encrypted in Steward's.
   */
  #migrated(file: CredentialsFile, fields: ReadonlyMap<number, ReadonlyMap<string, XmlSpec>>, added?: XmlSpec, removed?: number): CredentialsFile {
    return file.rewrite((c: StoredCredentials, depth) => {
      if (c.ordinal === removed) return null;
      const set = new Map([...migrationFields(c, this.#keys), ...(fields.get(c.ordinal) ?? [])]);
      return set.size === 0 ? undefined : withFields(c, depth, set);
    }, added);
  }
}

/** The credential's element at `depth` with the children named in `set` replaced, or added at the end. */
function withFields(c: StoredCredentials, depth: number, set: ReadonlyMap<string, XmlSpec>): string {
  const present = new Set(c.element.children().map((child) => child.name));
  const appended = [...set].filter(([name]) => !present.has(name)).map(([, spec]) => writeXmlSpec(spec, depth + 1));
  return rewriteElement(
    c.element,
    depth,
    (child, d) => {
      const spec = set.get(child.name);
      return spec === undefined ? undefined : writeXmlSpec(spec, d);
    },
    appended,
  );
}

function requireCredential(file: CredentialsFile, id: string): StoredCredentials {
  const c = file.find(id);
  if (c === undefined) throw new StewardError('STW_CREDENTIALS_NOT_FOUND', `no credentials with the id '${excerpt(id)}'`, { field: 'id' });
  return c;
}

function invalid(field: string, message: string): StewardError {
  return new StewardError('STW_REQUEST_INVALID', message, { field });
}

function checkId(id: string): void {
  if (!ID_PATTERN.test(id)) {
    throw invalid('id', `the credentials id ${JSON.stringify(excerpt(id))} is not allowed: use 1 to 256 letters, digits, '_', '.' or '-'`);
  }
}

function checkInput(input: CredentialsInput): void {
  switch (input.kind) {
    case 'usernamePassword':
      return;
    case 'string':
      if (input.secret === '') throw invalid('secret', 'a secret text must not be empty');
      return;
    case 'sshPrivateKey':
      if (input.privateKey.trim() === '') throw invalid('privateKey', 'an SSH credential needs a private key');
      return;
    case 'file':
      checkFileName(input.fileName);
      return;
  }
}

function checkUpdate(changes: CredentialsUpdate): void {
  switch (changes.kind) {
    case 'string':
      if (changes.secret === '') throw invalid('secret', 'a secret text must not be empty');
      return;
    case 'sshPrivateKey':
      if (changes.privateKey !== undefined && changes.privateKey.trim() === '') throw invalid('privateKey', 'an SSH credential needs a private key');
      return;
    case 'file':
      if (changes.fileName !== undefined) checkFileName(changes.fileName);
      return;
    case 'usernamePassword':
      return;
  }
}

/** A secret file is written under this name when bound: one plain name, no folders. */
function checkFileName(name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw invalid('fileName', `the file name ${JSON.stringify(name)} is not allowed: give a plain file name without folders`);
  }
}
