import type { BuildSecrets } from '../../jobs/index.js';
import { SecretMasker, encryptSecret, isEncryptedForm, secretDigest, secretFromString, type SecretKeys } from '../secrets/index.js';
import type { CredentialsStore } from './credentials-store.js';

/**
 * What builds need of security, for the jobs part (`new Jobs({ ..., secrets })`): credentials
 * from `credentials`, password parameter values sealed with the master key (`{STW1:...}`),
 * opened from either Steward's or Jenkins' form and compared by keyed digest, and log masking by
 * {@link SecretMasker}.
 */
export function buildSecrets(keys: SecretKeys, credentials: CredentialsStore): BuildSecrets {
  return {
    credential: (id, job) => credentials.forBuild(id, job),
    seal(value) {
      let clear: string;
      try {
        clear = secretFromString(value, keys);
      } catch (err) {
        // An encrypted value that does not decrypt holds no clear text: kept, it fails the build.
        if (isEncryptedForm(value)) return value;
        throw err;
      }
      return encryptSecret(keys.master, clear);
    },
    digest(value) {
      let clear: string;
      try {
        clear = secretFromString(value, keys);
      } catch (err) {
        // A value that does not decrypt has no clear text to compare: it equals nothing.
        if (isEncryptedForm(value)) return undefined;
        throw err;
      }
      return secretDigest(keys.master, clear);
    },
    open: (value, from) => secretFromString(value, keys, from),
    masker: (secrets) => new SecretMasker(secrets).stream(),
  };
}
