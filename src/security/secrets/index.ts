/**
 * Secrets: Steward's master key, the encrypted form of Secret values in configuration files,
 * reading the Secret values of a Jenkins home, and masking secrets in build logs. This index is
 * the folder's whole public face.
 */

/**
 * Steward's master key, `secrets/steward.key` (32 random bytes as base64, 0600), created through
 * the home store on first use. Its bytes never leave this part.
 */
export { MasterKey, MASTER_KEY_PATH } from './master-key.js';

/**
 * `encryptSecret(key, plaintext)` gives `{STW1:base64(iv(12) || ciphertext || tag(16))}`
 * (AES-256-GCM, random IV, version as authenticated data); `decryptSecret(key, text)` reverses it
 * and throws STW_SECRET_INVALID for anything changed, truncated, of another version or another
 * key; `isEncrypted(text)` tells whether a text has the `{STW<n>:...}` form.
 */
export { encryptSecret, decryptSecret, isEncrypted } from './steward-secret.js';

/**
 * `secretDigest(key, clear)`: HMAC-SHA256 of a clear value under a key derived from the master key,
 * equal for equal values, for recognising identical requests without comparing clear text.
 */
export { secretDigest } from './secret-digest.js';

/** Where an encrypted value was read from (file, line, field), carried into STW_SECRET_INVALID. */
export type { SecretLocation } from './errors.js';

/**
 * The Secret values of a Jenkins home: `JenkinsSecrets.load(store)` reads `secrets/master.key`,
 * `secrets/hudson.util.Secret` (and the legacy `secret.key`, and the credentials plugin's
 * SecretBytes key), undefined when they are absent; `decrypt(text)` reads `{AQAAABAAAAA...}` and
 * historical values, `decryptBytes(text)` the SecretBytes of secret files.
 */
export {
  JenkinsSecrets,
  JENKINS_MASTER_KEY_PATH,
  JENKINS_SECRET_KEY_PATH,
  JENKINS_LEGACY_KEY_PATH,
  JENKINS_SECRET_BYTES_KEY_PATH,
} from './jenkins-secrets.js';

/**
 * The key agents' secrets are derived from (Jenkins' JnlpAgentReceiver.SLAVE_SECRET): Jenkins'
 * `secrets/jenkins.slaves.JnlpSlaveAgentProtocol.secret` on a home that has it, else Steward's
 * `secrets/steward.agent-secret.key`; `mac(name)` is the agent's secret (hex HMAC-SHA256).
 */
export { AgentSecretKey, AGENT_SECRET_KEY_PATH, JENKINS_AGENT_SECRET_KEY_PATH } from './agent-secret-key.js';

/** Decrypts a value in Steward's form or, given the home's Jenkins keys, in Jenkins' forms. */
export { decryptAny } from './decrypt-any.js';
/** The keys {@link decryptAny} uses: Steward's master key and, optionally, Jenkins'. */
export type { SecretKeys } from './decrypt-any.js';

/**
 * Secret fields of imported files, read as Jenkins reads them: `secretFromString` decrypts either
 * encrypted form and takes other text as the plain value; `secretBytesFromString` does the same for
 * SecretBytes (secret files), whose plain form is base64; `encryptSecretBytes` is Steward's stored
 * form of bytes; `isEncryptedForm` tells whether a stored value is encrypted at all.
 */
export { secretFromString, secretBytesFromString, encryptSecretBytes, isEncryptedForm } from './secret-from-string.js';

/**
 * Masks secrets with `****` in text, Buffers and streams of chunks (build logs), also when a
 * secret is split across chunks.
 */
export { SecretMasker, MASK } from './secret-masker.js';
/** One stream's masker: `write(chunk)` returns what can be released, `end()` the rest. */
export type { ChunkMasker } from './secret-masker.js';
