import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { decodeBase64Strict } from './base64.js';
import { invalidSecret, type SecretLocation } from './errors.js';
import { masterKeyBytes, type MasterKey } from './master-key.js';

const VERSION = 'STW1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** `{STW<n>:...}`: any version, so that a value of a later version is named as such, not as garbage. */
const FORM = /^\{STW(\d+):([^{}]*)\}$/;

/** Whether `text` has the form of a Steward encrypted value (`{STW1:...}`); does not check it decrypts. */
export function isEncrypted(text: string): boolean {
  return FORM.test(text);
}

/**
 * Encrypts `plaintext` (UTF-8) as `{STW1:base64(iv || ciphertext || tag)}`: AES-256-GCM under the
 * master key, a random 12-byte IV per value, the version string as additional authenticated data.
 */
export function encryptSecret(key: MasterKey, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', masterKeyBytes(key), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(VERSION, 'ascii'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `{${VERSION}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')}}`;
}

/**
 * Decrypts a value made by {@link encryptSecret}. Anything else (another version, a damaged or
 * truncated value, a value encrypted under another key) throws STW_SECRET_INVALID; the message
 * never holds the value or its plaintext.
 */
export function decryptSecret(key: MasterKey, text: string, at: SecretLocation = {}): string {
  const form = FORM.exec(text);
  if (form === null) throw invalidSecret('the value is not a Steward encrypted value ({STW1:...})', at);
  const version = `STW${form[1] ?? ''}`;
  if (version !== VERSION) {
    throw invalidSecret(`the encrypted value has version ${version}, and this Steward reads only ${VERSION}`, at);
  }
  const raw = decodeBase64Strict(form[2] ?? '');
  if (raw === undefined || raw.length < IV_BYTES + TAG_BYTES) {
    throw invalidSecret('the encrypted value is damaged (not base64 of IV, ciphertext and tag)', at);
  }
  const decipher = createDecipheriv('aes-256-gcm', masterKeyBytes(key), raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(VERSION, 'ascii'));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  try {
    const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
    return plain.toString('utf8');
  } catch {
    // GCM's tag check failed; the crypto error says nothing more useful, and is not kept.
    throw invalidSecret(
      'the encrypted value does not authenticate: it was changed, or encrypted with another master key (secrets/steward.key)',
      at,
    );
  }
}
