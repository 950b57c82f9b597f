import { invalidSecret, type SecretLocation } from './errors.js';
import type { JenkinsSecrets } from './jenkins-secrets.js';
import type { MasterKey } from './master-key.js';
import { decryptSecret, isEncrypted } from './steward-secret.js';

/** The keys of a home: Steward's master key, and Jenkins' when the home came from Jenkins. */
export interface SecretKeys {
  master: MasterKey;
  jenkins?: JenkinsSecrets | undefined;
}

/**
 * The plaintext of an encrypted value in either form: Steward's `{STW1:...}`, else Jenkins'
 * (`{AQAAABAAAAA...}` or the historical bare base64). Throws STW_SECRET_INVALID when it does not
 * decrypt; the message never holds the value.
 */
export function decryptAny(text: string, keys: SecretKeys, at: SecretLocation = {}): string {
  if (isEncrypted(text)) return decryptSecret(keys.master, text, at);
  if (keys.jenkins !== undefined) return keys.jenkins.decrypt(text, at);
  throw invalidSecret(
    'the value is not a Steward encrypted value ({STW1:...}), and the home has no Jenkins keys ' +
      '(secrets/master.key and secrets/hudson.util.Secret) to read it as a Jenkins secret',
    at,
  );
}
