import { createDecipheriv, createHash } from 'node:crypto';
import { inspect } from 'node:util';

import type { HomeStore } from '../../home/index.js';
import { decodeBase64Strict } from './base64.js';
import { invalidKeyFile, invalidSecret, type SecretLocation } from './errors.js';

/** Jenkins' master key text (DefaultConfidentialStore). */
export const JENKINS_MASTER_KEY_PATH = 'secrets/master.key';
/** The confidential key of hudson.util.Secret, encrypted under the master key. */
export const JENKINS_SECRET_KEY_PATH = 'secrets/hudson.util.Secret';
/** The pre-1.498 key of Jenkins.getSecretKey(), still tried for historical values. */
export const JENKINS_LEGACY_KEY_PATH = 'secret.key';
/** The credentials plugin's key of SecretBytes (secret files, keystores), encrypted under the master key. */
export const JENKINS_SECRET_BYTES_KEY_PATH = 'secrets/com.cloudbees.plugins.credentials.SecretBytes.KEY';

/** The trailer Jenkins appends before encrypting with AES/ECB, checked after decrypting. */
const MAGIC = Buffer.from('::::MAGIC::::', 'utf8');
const MAGIC_TEXT = '::::MAGIC::::';
const PAYLOAD_V1 = 1;
const AES128 = 16;
/** SecretBytes: salt(8) || padLen(1) || AES/CBC of the data || padLen random bytes. */
const SECRET_BYTES_SALT = 8;
/** SecretBytes.ENCRYPTED_VALUE_PATTERN. */
const SECRET_BYTES_FORM = /^\{([A-Za-z0-9+/]+={0,2})\}$/;

/**
 * Reads the Secret values a Jenkins home holds (`{AQAAABAAAAA...}` and the historical bare base64
 * form), given that home's `secrets/master.key` and `secrets/hudson.util.Secret`, and the legacy
 * `secret.key` when present. It matches Jenkins' code:
 * - DefaultConfidentialStore: the master key is Util.toAes128Key(master.key text, trimmed), the
 *   first 16 bytes of SHA-256 of its UTF-8 bytes; a key file is AES/ECB/PKCS5 of payload + MAGIC.
 * - CryptoConfidentialKey: the Secret key is the first 16 bytes of that payload.
 * - Secret.getEncryptedValue / decrypt: `{base64([1][iv length, 4 bytes BE][data length, 4 bytes
 *   BE][iv][AES/CBC/PKCS5 of UTF-8])}`.
 * - HistoricalSecrets: base64(AES/ECB/PKCS5 of UTF-8(value + MAGIC)), under the Secret key, then
 *   under the legacy key.
 * - The credentials plugin's SecretBytes (secret files): `{base64(salt(8) || padLen || AES/CBC/PKCS5
 *   || padding)}` under CredentialsConfidentialKey `secrets/com.cloudbees.plugins.credentials.
 *   SecretBytes.KEY`, whose cipher key and IV are the halves of SHA-256(key || salt).
 */
export class JenkinsSecrets {
  readonly #secretKey: Buffer | undefined;
  readonly #legacyKey: Buffer | undefined;
  readonly #bytesKey: Buffer | undefined;

  private constructor(secretKey: Buffer | undefined, legacyKey: Buffer | undefined, bytesKey: Buffer | undefined) {
    this.#secretKey = secretKey;
    this.#legacyKey = legacyKey;
    this.#bytesKey = bytesKey;
  }

  /**
   * The Jenkins keys of the home behind `store`; undefined when it has neither the pair
   * `secrets/master.key` + `secrets/hudson.util.Secret` nor `secret.key`. The SecretBytes key is
   * read too when present. A key file that does not decrypt under master.key throws
   * STW_SECRET_KEY_INVALID naming it.
   */
  static async load(store: HomeStore): Promise<JenkinsSecrets | undefined> {
    const [master, stored, legacy, bytes] = await Promise.all([
      store.readBytes(JENKINS_MASTER_KEY_PATH),
      store.readBytes(JENKINS_SECRET_KEY_PATH),
      store.readBytes(JENKINS_LEGACY_KEY_PATH),
      store.readBytes(JENKINS_SECRET_BYTES_KEY_PATH),
    ]);
    const masterKey = master === undefined ? undefined : toAes128Key(master);
    const secretKey = masterKey !== undefined && stored !== undefined ? unwrapConfidentialKey(masterKey, stored, JENKINS_SECRET_KEY_PATH) : undefined;
    const legacyKey = legacy === undefined ? undefined : toAes128Key(legacy);
    if (secretKey === undefined && legacyKey === undefined) return undefined;
    const bytesKey = masterKey !== undefined && bytes !== undefined ? unwrapConfidentialKey(masterKey, bytes, JENKINS_SECRET_BYTES_KEY_PATH) : undefined;
    return new JenkinsSecrets(secretKey, legacyKey, bytesKey);
  }

  /**
   * The plaintext of a Jenkins Secret value. A value that does not decrypt (damaged, another
   * Jenkins' key, not a Secret) throws STW_SECRET_INVALID without the value in the message. Unlike
   * Jenkins' Secret.fromString, it never takes an undecryptable value as plain text.
   */
  decrypt(text: string, at: SecretLocation = {}): string {
    if (text.startsWith('{') && text.endsWith('}')) return this.#decryptCurrent(text.slice(1, -1), at);
    return this.#decryptHistorical(text, at);
  }

  #decryptCurrent(body: string, at: SecretLocation): string {
    const payload = decodeBase64Strict(body);
    if (payload === undefined || payload.length < 9) throw invalidSecret('the Jenkins secret is not base64 of a Secret payload', at);
    if (payload[0] !== PAYLOAD_V1) throw invalidSecret(`the Jenkins secret has payload version ${payload[0] ?? ''}, not 1`, at);
    const ivLength = payload.readUInt32BE(1);
    const dataLength = payload.readUInt32BE(5);
    if (payload.length !== 9 + ivLength + dataLength) throw invalidSecret('the Jenkins secret is truncated or damaged', at);
    if (this.#secretKey === undefined) {
      throw invalidSecret(`the Jenkins secret needs ${JENKINS_MASTER_KEY_PATH} and ${JENKINS_SECRET_KEY_PATH}, and the home lacks one`, at);
    }
    const iv = payload.subarray(9, 9 + ivLength);
    try {
      const decipher = createDecipheriv('aes-128-cbc', this.#secretKey, iv);
      return Buffer.concat([decipher.update(payload.subarray(9 + ivLength)), decipher.final()]).toString('utf8');
    } catch {
      throw invalidSecret(`the Jenkins secret does not decrypt with this home's ${JENKINS_SECRET_KEY_PATH} (damaged, or from another Jenkins)`, at);
    }
  }

  #decryptHistorical(text: string, at: SecretLocation): string {
    const bytes = decodeBase64Strict(text);
    if (bytes === undefined || bytes.length === 0 || bytes.length % AES128 !== 0) {
      throw invalidSecret('the value is neither a Steward nor a Jenkins encrypted value', at);
    }
    for (const key of [this.#secretKey, this.#legacyKey]) {
      if (key === undefined) continue;
      const plain = tryEcb(key, bytes)?.toString('utf8');
      if (plain?.endsWith(MAGIC_TEXT)) return plain.slice(0, -MAGIC_TEXT.length);
    }
    throw invalidSecret("the historical Jenkins secret does not decrypt with this home's Jenkins keys (damaged, or from another Jenkins)", at);
  }

  /**
   * The bytes of a SecretBytes value (`{base64}`, as FileCredentialsImpl's `<secretBytes>` holds
   * them). One that does not decrypt, or a home without the SecretBytes key, throws
   * STW_SECRET_INVALID without the value in the message.
   */
  decryptBytes(text: string, at: SecretLocation = {}): Buffer {
    const body = SECRET_BYTES_FORM.exec(text)?.[1];
    const data = body === undefined ? undefined : decodeBase64Strict(body);
    if (data === undefined || data.length <= SECRET_BYTES_SALT + 1) {
      throw invalidSecret('the value is not a Jenkins SecretBytes value ({base64})', at);
    }
    if (this.#bytesKey === undefined) {
      throw invalidSecret(`the Jenkins secret file needs ${JENKINS_MASTER_KEY_PATH} and ${JENKINS_SECRET_BYTES_KEY_PATH}, and the home lacks one`, at);
    }
    const salt = data.subarray(0, SECRET_BYTES_SALT);
    const padding = data[SECRET_BYTES_SALT] ?? 0;
    const end = data.length - padding;
    if (end <= SECRET_BYTES_SALT + 1) throw invalidSecret('the Jenkins SecretBytes value is truncated or damaged', at);
    // CredentialsConfidentialKey.createCipher: one SHA-256 round gives the 16-byte key and 16-byte IV.
    const keyAndIv = createHash('sha256').update(this.#bytesKey).update(salt).digest();
    try {
      const decipher = createDecipheriv('aes-128-cbc', keyAndIv.subarray(0, AES128), keyAndIv.subarray(AES128));
      return Buffer.concat([decipher.update(data.subarray(SECRET_BYTES_SALT + 1, end)), decipher.final()]);
    } catch {
      throw invalidSecret(`the Jenkins secret file does not decrypt with this home's ${JENKINS_SECRET_BYTES_KEY_PATH} (damaged, or from another Jenkins)`, at);
    }
  }

  toJSON(): string {
    return 'JenkinsSecrets(redacted)';
  }

  [inspect.custom](): string {
    return 'JenkinsSecrets(redacted)';
  }
}

/**
 * hudson.Util.toAes128Key(TextFile.readTrim()): the file read as UTF-8, trimmed as Java's
 * String.trim() does (every char up to U+0020 at either end), SHA-256, first 16 bytes.
 */
function toAes128Key(file: Buffer): Buffer {
  return createHash('sha256').update(javaTrim(file.toString('utf8')), 'utf8').digest().subarray(0, AES128);
}

/** Java's String.trim(): drops every char up to U+0020 (controls included) at both ends. */
function javaTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  return text.slice(start, end);
}

/**
 * DefaultConfidentialStore.load + verifyMagic, then the first 16 bytes, which both
 * CryptoConfidentialKey and CredentialsConfidentialKey use as the AES key.
 */
function unwrapConfidentialKey(masterKey: Buffer, stored: Buffer, file: string): Buffer {
  return unwrapConfidentialPayload(masterKey, stored, file, AES128).subarray(0, AES128);
}

/** DefaultConfidentialStore.load + verifyMagic: the whole stored payload, of at least `minBytes`. */
function unwrapConfidentialPayload(masterKey: Buffer, stored: Buffer, file: string, minBytes: number): Buffer {
  const plain = tryEcb(masterKey, stored);
  if (plain === undefined || plain.length < MAGIC.length + minBytes || !plain.subarray(plain.length - MAGIC.length).equals(MAGIC)) {
    throw invalidKeyFile(file, `does not decrypt with ${JENKINS_MASTER_KEY_PATH}; copy both files from the same Jenkins home`);
  }
  return Buffer.from(plain.subarray(0, plain.length - MAGIC.length));
}

/**
 * The bytes of one of Jenkins' confidential keys (`secrets/<id>`, as ConfidentialKey.load reads
 * it through DefaultConfidentialStore), or undefined when the home lacks the file or
 * `secrets/master.key`. A file that does not decrypt under master.key throws
 * STW_SECRET_KEY_INVALID naming it. HMACConfidentialKey uses the whole payload as its key.
 */
export async function loadJenkinsConfidentialKey(store: HomeStore, file: string): Promise<Buffer | undefined> {
  const [master, stored] = await Promise.all([store.readBytes(JENKINS_MASTER_KEY_PATH), store.readBytes(file)]);
  if (master === undefined || stored === undefined) return undefined;
  return unwrapConfidentialPayload(toAes128Key(master), stored, file, 1);
}

/** Cipher "AES" in Java: AES/ECB/PKCS5Padding; undefined on a bad length or padding. */
function tryEcb(key: Buffer, data: Buffer): Buffer | undefined {
  try {
    const decipher = createDecipheriv('aes-128-ecb', key, null);
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    return undefined;
  }
}
