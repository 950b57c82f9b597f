import { createHmac, hkdfSync } from 'node:crypto';

import { masterKeyBytes, type MasterKey } from './master-key.js';

/** HKDF's `info`: the derived key serves this one purpose, and is never the key that encrypts. */
const DIGEST_KEY_INFO = 'steward secret value digest v1';

const digestKeys = new WeakMap<MasterKey, Buffer>();

/**
 * A keyed digest of a clear Secret value: HMAC-SHA256 under a key derived from the master key
 * (HKDF-SHA256). Two equal values give equal digests, while each encryption of a value differs
 * (its IV is random); without the master key a digest tells nothing of the value, not even a
 * guess's match. For recognising identical requests, never for storing.
 */
export function secretDigest(key: MasterKey, clear: string): string {
  let digestKey = digestKeys.get(key);
  if (digestKey === undefined) {
    digestKey = Buffer.from(hkdfSync('sha256', masterKeyBytes(key), Buffer.alloc(0), DIGEST_KEY_INFO, 32));
    digestKeys.set(key, digestKey);
  }
  return createHmac('sha256', digestKey).update(clear, 'utf8').digest('base64url');
}
