// The Jenkins vectors under fixtures/jenkins-home were made with the JVM by
// fixtures/MakeJenkinsSecret.java, which follows Jenkins' own code (DefaultConfidentialStore,
// CryptoConfidentialKey, Secret, HistoricalSecrets): run from the repository root
//   java test/security/secrets/fixtures/MakeJenkinsSecret.java test/security/secrets/fixtures/jenkins-home
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { isStewardError } from '../../../src/errors/index.js';
import { JenkinsSecrets, MasterKey, decryptAny, encryptSecret } from '../../../src/security/secrets/index.js';
import { tempDir } from '../../support/steward-process.js';
import { openHome } from './home.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'jenkins-home');

interface Vector {
  plaintext: string;
  /** Secret.getEncryptedValue(): `{AQAAABAAAAA...}`. */
  current: string;
  /** The historical form under the hudson.util.Secret key. */
  historical: string;
  /** The historical form under the legacy secret.key. */
  legacy: string;
}

const vectors = JSON.parse(await readFile(path.join(FIXTURE, 'vectors.json'), 'utf8')) as Vector[];

/** A temporary home holding a copy of the Jenkins fixture home (without `leave` files). */
async function jenkinsHome(leave: string[] = []) {
  const home = await tempDir();
  await cp(FIXTURE, home.dir, { recursive: true });
  for (const rel of leave) await rm(path.join(home.dir, rel));
  const h = await openHome(home.dir);
  return {
    dir: home.dir,
    store: h.store,
    async [Symbol.asyncDispose]() {
      await h[Symbol.asyncDispose]();
      await home[Symbol.asyncDispose]();
    },
  };
}

async function loadJenkins(store: Parameters<typeof JenkinsSecrets.load>[0]): Promise<JenkinsSecrets> {
  const jenkins = await JenkinsSecrets.load(store);
  assert.ok(jenkins !== undefined, 'the Jenkins keys are found');
  return jenkins;
}

describe('Jenkins secrets', () => {
  test('values written by Jenkins as {AQAAABAAAAA...} decrypt with its master.key and hudson.util.Secret', async () => {
    await using home = await jenkinsHome();
    const jenkins = await loadJenkins(home.store);
    assert.ok(vectors.length >= 3);
    for (const v of vectors) {
      assert.match(v.current, /^\{AQAAABAAAAA/);
      assert.equal(jenkins.decrypt(v.current), v.plaintext);
    }
  });

  test('historical values (AES/ECB with the magic trailer) decrypt with the Secret key and with the legacy secret.key', async () => {
    await using home = await jenkinsHome();
    const jenkins = await loadJenkins(home.store);
    for (const v of vectors) {
      assert.equal(jenkins.decrypt(v.historical), v.plaintext);
      assert.equal(jenkins.decrypt(v.legacy), v.plaintext);
    }
  });

  test('a home without Jenkins key files has no Jenkins secrets', async () => {
    await using home = await jenkinsHome(['secrets/master.key', 'secret.key']);
    assert.equal(await JenkinsSecrets.load(home.store), undefined);
  });

  test('without secret.key the current and historical forms still decrypt, and legacy values are refused', async () => {
    await using home = await jenkinsHome(['secret.key']);
    const jenkins = await loadJenkins(home.store);
    const v = vectors[0] as Vector;
    assert.equal(jenkins.decrypt(v.current), v.plaintext);
    assert.equal(jenkins.decrypt(v.historical), v.plaintext);
    assert.throws(() => jenkins.decrypt(v.legacy), (e: unknown) => isStewardError(e, 'STW_SECRET_INVALID'));
  });

  test('a hudson.util.Secret that does not match master.key is refused as a damaged key file', async () => {
    await using home = await jenkinsHome();
    await writeFile(path.join(home.dir, 'secrets/master.key'), randomBytes(128).toString('hex'));
    await assert.rejects(
      JenkinsSecrets.load(home.store),
      (e: unknown) => isStewardError(e, 'STW_SECRET_KEY_INVALID') && e.file === 'secrets/hudson.util.Secret',
    );
  });

  test('a master.key with a trailing newline reads as Jenkins reads it (trimmed)', async () => {
    await using home = await jenkinsHome();
    const file = path.join(home.dir, 'secrets/master.key');
    await writeFile(file, `${await readFile(file, 'utf8')}\n`);
    const v = vectors[0] as Vector;
    assert.equal((await loadJenkins(home.store)).decrypt(v.current), v.plaintext);
  });

  test('a damaged Jenkins value is refused without showing the value or its plaintext', async () => {
    await using home = await jenkinsHome();
    const jenkins = await loadJenkins(home.store);
    const v = vectors[1] as Vector;
    const raw = Buffer.from(v.current.slice(1, -1), 'base64');
    const lastBlock = Buffer.from(raw);
    lastBlock[lastBlock.length - 1] = (lastBlock[lastBlock.length - 1] ?? 0) ^ 0xff; // breaks the padding
    const cases = [
      `{${lastBlock.toString('base64')}}`,
      `{${raw.subarray(0, raw.length - 16).toString('base64')}}`, // data length no longer matches
      `{${Buffer.concat([Buffer.from([2]), raw.subarray(1)]).toString('base64')}}`, // another payload version
      v.historical.slice(0, -4) + 'AAA=',
      'plain text',
    ];
    for (const text of cases) {
      assert.throws(
        () => jenkins.decrypt(text, { file: 'credentials.xml' }),
        (e: unknown) =>
          isStewardError(e, 'STW_SECRET_INVALID') &&
          e.file === 'credentials.xml' &&
          !e.message.includes(v.plaintext) &&
          !e.message.includes(text.slice(1, 9)) &&
          !JSON.stringify(e).includes(v.plaintext),
      );
    }
  });

  test('decryptAny reads Steward values with the master key and Jenkins values with the Jenkins keys', async () => {
    await using home = await jenkinsHome();
    const master = await MasterKey.load(home.store);
    const jenkins = await JenkinsSecrets.load(home.store);
    const v = vectors[1] as Vector;
    assert.equal(decryptAny(encryptSecret(master, 'steward side'), { master, jenkins }), 'steward side');
    assert.equal(decryptAny(v.current, { master, jenkins }), v.plaintext);
    assert.equal(decryptAny(v.historical, { master, jenkins }), v.plaintext);
    assert.equal(decryptAny(encryptSecret(master, 'no jenkins'), { master }), 'no jenkins');
    assert.throws(() => decryptAny(v.current, { master }), (e: unknown) => isStewardError(e, 'STW_SECRET_INVALID') && /no Jenkins keys/.test(e.message));
  });
});
