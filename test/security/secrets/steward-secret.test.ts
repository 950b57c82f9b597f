import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { isStewardError, type StewardError } from '../../../src/errors/index.js';
import { MasterKey, decryptSecret, encryptSecret, isEncrypted } from '../../../src/security/secrets/index.js';

const key = MasterKey.fromBytes(randomBytes(32));
const PLAINTEXT = 'correct horse battery staple ✓';

/** Asserts `fn` throws STW_SECRET_INVALID whose message and JSON hold neither the value nor the plaintext. */
function assertRefusedWithoutLeak(fn: () => unknown, value: string): StewardError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(isStewardError(caught, 'STW_SECRET_INVALID'), `expected STW_SECRET_INVALID, got ${String(caught)}`);
  const body = /^\{STW\d+:(.*)\}$/.exec(value)?.[1] ?? value;
  for (const shown of [caught.message, JSON.stringify(caught), String(caught.stack)]) {
    assert.ok(!shown.includes(PLAINTEXT), 'the plaintext is not shown');
    assert.ok(body.length < 8 || !shown.includes(body.slice(0, 8)), 'the ciphertext is not shown');
  }
  assert.equal(caught.cause, undefined, 'no cause that could carry the value');
  return caught;
}

function flipByte(value: string, index: number): string {
  const body = /^\{STW1:(.*)\}$/.exec(value)?.[1] ?? '';
  const raw = Buffer.from(body, 'base64');
  raw[index] = (raw[index] ?? 0) ^ 0x01;
  return `{STW1:${raw.toString('base64')}}`;
}

describe('Steward encrypted values', () => {
  test('a value encrypted with the master key decrypts to the same text, for empty, ASCII and non-ASCII text', () => {
    for (const plain of ['', 'a', PLAINTEXT, 'x'.repeat(10_000)]) {
      const encrypted = encryptSecret(key, plain);
      assert.ok(isEncrypted(encrypted));
      assert.match(encrypted, /^\{STW1:[A-Za-z0-9+/]+=*\}$/);
      assert.equal(decryptSecret(key, encrypted), plain);
    }
  });

  test('encrypting one text twice gives two different values (a fresh IV each time)', () => {
    assert.notEqual(encryptSecret(key, PLAINTEXT), encryptSecret(key, PLAINTEXT));
  });

  test('a flipped byte in the IV, the ciphertext or the tag is refused without showing secret material', () => {
    const encrypted = encryptSecret(key, PLAINTEXT);
    const length = Buffer.from(/^\{STW1:(.*)\}$/.exec(encrypted)?.[1] ?? '', 'base64').length;
    for (const index of [0, 11, 12, 20, length - 17, length - 16, length - 1]) {
      const error = assertRefusedWithoutLeak(() => decryptSecret(key, flipByte(encrypted, index)), encrypted);
      assert.match(error.message, /does not authenticate/);
    }
  });

  test('a truncated value is refused without showing secret material', () => {
    const encrypted = encryptSecret(key, PLAINTEXT);
    const raw = Buffer.from(/^\{STW1:(.*)\}$/.exec(encrypted)?.[1] ?? '', 'base64');
    for (const keep of [raw.length - 1, 28, 27, 5, 0]) {
      assertRefusedWithoutLeak(() => decryptSecret(key, `{STW1:${raw.subarray(0, keep).toString('base64')}}`), encrypted);
    }
    assertRefusedWithoutLeak(() => decryptSecret(key, encrypted.slice(0, -1)), encrypted);
    assertRefusedWithoutLeak(() => decryptSecret(key, encrypted.slice(0, -4) + '}'), encrypted);
  });

  test('a value encrypted with another master key is refused without showing secret material', () => {
    const encrypted = encryptSecret(MasterKey.fromBytes(randomBytes(32)), PLAINTEXT);
    const error = assertRefusedWithoutLeak(() => decryptSecret(key, encrypted), encrypted);
    assert.match(error.message, /another master key/);
  });

  test('a value of another version is refused by its version, also when its body is a valid STW1 body', () => {
    const encrypted = encryptSecret(key, PLAINTEXT);
    const error = assertRefusedWithoutLeak(() => decryptSecret(key, encrypted.replace('{STW1:', '{STW2:')), encrypted);
    assert.match(error.message, /version STW2/);
  });

  test('text that is not an encrypted value is refused, and the location given is in the error', () => {
    for (const text of ['hunter2', '{AQAAABAAAAAQ}', '{STW1:}', '{STW1:!!!!}', '']) {
      assert.equal(isEncrypted(text), text.startsWith('{STW1:'));
      const error = assertRefusedWithoutLeak(() => decryptSecret(key, text, { file: 'jobs/j/config.xml', field: 'password' }), text);
      assert.equal(error.file, 'jobs/j/config.xml');
      assert.equal(error.field, 'password');
      assert.ok(!error.message.includes('hunter2'));
    }
  });
});
