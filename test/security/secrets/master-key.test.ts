import assert from 'node:assert/strict';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import { isStewardError } from '../../../src/errors/index.js';
import { MASTER_KEY_PATH, MasterKey, decryptSecret, encryptSecret } from '../../../src/security/secrets/index.js';
import { tempDir } from '../../support/steward-process.js';
import { openHome } from './home.js';

describe('the master key', () => {
  test('is created on first load as secrets/steward.key, 0600 in a 0700 folder, holding 32 bytes of base64', async () => {
    await using home = await tempDir();
    await using h = await openHome(home.dir);
    await MasterKey.load(h.store);
    const file = path.join(home.dir, MASTER_KEY_PATH);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(path.dirname(file))).mode & 0o777, 0o700);
    const text = await h.store.readText(MASTER_KEY_PATH);
    assert.match(text ?? '', /^[A-Za-z0-9+/]{43}=\n$/);
    assert.equal(Buffer.from(text ?? '', 'base64').length, 32);
  });

  test('is the same key on every later load, also from a new store on the same home', async () => {
    await using home = await tempDir();
    let encrypted: string;
    {
      await using h = await openHome(home.dir);
      encrypted = encryptSecret(await MasterKey.load(h.store), 'hunter2');
      const before = await h.store.readText(MASTER_KEY_PATH);
      assert.equal(decryptSecret(await MasterKey.load(h.store), encrypted), 'hunter2');
      assert.equal(await h.store.readText(MASTER_KEY_PATH), before);
    }
    await using again = await openHome(home.dir);
    assert.equal(decryptSecret(await MasterKey.load(again.store), encrypted), 'hunter2');
  });

  test('a damaged key file is refused and left as it is, never replaced by a new key', async () => {
    await using home = await tempDir();
    await mkdir(path.join(home.dir, 'secrets'), { recursive: true });
    await writeFile(path.join(home.dir, MASTER_KEY_PATH), 'not a key\n');
    await using h = await openHome(home.dir);
    await assert.rejects(MasterKey.load(h.store), (e: unknown) => isStewardError(e, 'STW_SECRET_KEY_INVALID') && e.file === MASTER_KEY_PATH);
    assert.equal(await h.store.readText(MASTER_KEY_PATH), 'not a key\n');
  });

  test('printing or serialising a key shows no key material', () => {
    const key = MasterKey.fromBytes(Buffer.alloc(32, 0x41));
    for (const shown of [inspect(key), JSON.stringify({ key }), String(key)]) {
      assert.doesNotMatch(shown, /QUFB|4141|AAAA/);
    }
  });
});
