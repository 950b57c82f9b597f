import { decodeBase64Strict } from './base64.js';
import { decryptAny, type SecretKeys } from './decrypt-any.js';
import { invalidSecret, type SecretLocation } from './errors.js';
import type { MasterKey } from './master-key.js';
import { decryptSecret, encryptSecret, isEncrypted } from './steward-secret.js';

/** `{base64}`: Jenkins' Secret.getEncryptedValue() and SecretBytes.toString() forms. */
const BRACED_BASE64 = /^\{([A-Za-z0-9+/]+={0,2})\}$/;
/** The first byte of a Secret payload of the current form (Secret.PAYLOAD_V1). */
const JENKINS_PAYLOAD_V1 = 1;
const AES_BLOCK = 16;

/**
 * Whether `text` is a Jenkins Secret of the current form: `{base64}` whose payload starts with
 * version 1. Plain text of that shape is practically impossible, so such a value that does not
 * decrypt is damaged, not plain.
 */
function isJenkinsSecret(text: string): boolean {
  const body = BRACED_BASE64.exec(text)?.[1];
  return body !== undefined && decodeBase64Strict(body)?.[0] === JENKINS_PAYLOAD_V1;
}

/** Whether a stored value is in an encrypted form (Steward's or Jenkins'), so holds no plaintext. */
export function isEncryptedForm(text: string): boolean {
  return isEncrypted(text) || BRACED_BASE64.test(text);
}

/**
 * The plaintext of a Secret field as stored, read the way Jenkins' Secret.fromString reads it:
 * Steward's `{STW1:...}` and Jenkins' `{AQAAABAAAAA...}` decrypt (STW_SECRET_INVALID when they do
 * not: changed, or from another key); a historical Jenkins value decrypts when the home's Jenkins
 * keys open it; any other text is the value itself, as an imported file may hold it in clear.
 */
export function secretFromString(text: string, keys: SecretKeys, at: SecretLocation = {}): string {
  if (isEncrypted(text) || isJenkinsSecret(text)) return decryptAny(text, keys, at);
  const bytes = keys.jenkins === undefined ? undefined : decodeBase64Strict(text);
  if (keys.jenkins !== undefined && bytes !== undefined && bytes.length > 0 && bytes.length % AES_BLOCK === 0) {
    try {
      return keys.jenkins.decrypt(text, at);
    } catch {
      // Not a historical value under these keys: plain text that happens to be base64, as Jenkins reads it.
    }
  }
  return text;
}

/**
 * The bytes of a SecretBytes field (a secret file's content) as stored: Steward's `{STW1:...}`
 * (of the bytes' base64), Jenkins' `{base64}` under the credentials plugin's SecretBytes key, or,
 * as SecretBytes.fromString reads it, the plain base64 of the bytes. STW_SECRET_INVALID for an
 * encrypted value that does not decrypt or text that is neither.
 */
export function secretBytesFromString(text: string, keys: SecretKeys, at: SecretLocation = {}): Buffer {
  if (isEncrypted(text)) {
    const bytes = decodeBase64Strict(decryptSecret(keys.master, text, at));
    if (bytes === undefined) throw invalidSecret('the encrypted secret file does not hold base64 of its content', at);
    return bytes;
  }
  if (BRACED_BASE64.test(text)) {
    if (keys.jenkins === undefined) {
      throw invalidSecret('the value is a Jenkins secret file, and the home has no Jenkins keys to read it', at);
    }
    return keys.jenkins.decryptBytes(text, at);
  }
  const bytes = decodeBase64Strict(text.replace(/\s+/g, ''));
  if (bytes === undefined) throw invalidSecret('the secret file is neither an encrypted value nor base64 of its content', at);
  return bytes;
}

/** `bytes` encrypted as Steward stores a SecretBytes field: `{STW1:...}` of their base64. */
export function encryptSecretBytes(key: MasterKey, bytes: Uint8Array): string {
  return encryptSecret(key, Buffer.from(bytes).toString('base64'));
}
