/**
 * Credentials: the credentials plugin's store in the home's `credentials.xml`, and what builds
 * need of security (credentials for the credentials binding, password parameter values, log
 * masking). This index is the folder's whole public face.
 *
 * Errors: STW_CREDENTIALS_NOT_FOUND (404), STW_CREDENTIALS_EXISTS (409), STW_REQUEST_INVALID for
 * an id or value Jenkins refuses, STW_XML_MALFORMED / STW_CONFIG_INVALID for a credentials.xml
 * that cannot be read, STW_SECRET_INVALID for a stored value that does not decrypt (file, line and
 * `id/field` named; never the value).
 *
 * @packageDocumentation
 */

/**
 * Username/password, secret text, SSH private key and secret file credentials with ids,
 * descriptions and scopes: `list()` and `info(id)` show no secret value; `create`, `update` and
 * `delete` write through the home store one at a time and are audited; `forBuild(id, job)` gives
 * the values to a build.
 */
export { CredentialsStore, type CredentialsStoreOptions } from './credentials-store.js';

/** The kinds, their Jenkins classes, and the shapes of metadata, new credentials and updates. */
export {
  CREDENTIALS_CLASSES,
  type CredentialsKind,
  type CredentialsScope,
  type CredentialsInfo,
  type CredentialsInput,
  type CredentialsUpdate,
} from './types.js';

/** `credentials.xml`, relative to the home. */
export { CREDENTIALS_FILE } from './credentials-file.js';

/** The jobs part's BuildSecrets over the home's keys and a credentials store; see Jobs' `secrets` option. */
export { buildSecrets } from './build-secrets.js';

/** Credentials from the XML of the credentials plugin's REST API (create, and update with secrets kept when left out). */
export { parsePostedCredentials, parsePostedUpdate } from './posted.js';
