import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { MasterKey, encryptSecret, secretDigest } from '../../../src/security/secrets/index.js';

describe('the digest a password value is compared by', () => {
  const bytes = randomBytes(32);
  const key = MasterKey.fromBytes(bytes);

  test('equal values give equal digests though their sealed forms differ', () => {
    assert.notEqual(encryptSecret(key, 'hunter2'), encryptSecret(key, 'hunter2'));
    assert.equal(secretDigest(key, 'hunter2'), secretDigest(key, 'hunter2'));
    assert.notEqual(secretDigest(key, 'hunter2'), secretDigest(key, 'hunter3'));
  });

  test('without the master key a digest cannot be checked against a guess', () => {
    const digest = secretDigest(key, 'hunter2');
    assert.notEqual(secretDigest(MasterKey.fromBytes(randomBytes(32)), 'hunter2'), digest, 'another home gives another digest');
    assert.notEqual(createHash('sha256').update('hunter2').digest('base64url'), digest, 'not a plain hash of the value');
    assert.notEqual(createHmac('sha256', bytes).update('hunter2').digest('base64url'), digest, 'not keyed by the encryption key itself');
    assert.ok(!digest.includes('hunter2'));
  });
});
