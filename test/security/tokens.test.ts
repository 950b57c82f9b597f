import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';

import { isStewardError } from '../../src/errors/index.js';
import { parseXml } from '../../src/xml/index.js';
import { TokenCache, UserStore } from '../../src/security/index.js';
import { MemoryAudit, openHome } from './home.js';

describe('API tokens', () => {
  test('a token is shown once in Jenkins format and only its SHA-256 is stored', async () => {
    await using home = await openHome();
    const audit = new MemoryAudit();
    const users = await UserStore.load(home.store, { audit, now: () => Date.parse('2026-03-04T05:06:07.890Z') });
    const bob = await users.createUser('bob', 'pw');
    const created = await users.createToken('bob', 'ci');
    assert.match(created.token, /^11[0-9a-f]{32}$/);

    const text = await readFile(path.join(home.dir, `users/${bob.directory}/config.xml`), 'utf8');
    assert.ok(!text.includes(created.token.slice(2)), 'the secret is not in config.xml');
    const hashed = parseXml(text, 'config.xml').root.descendant(
      'properties/jenkins.security.ApiTokenProperty/tokenStore/tokenList/jenkins.security.apitoken.ApiTokenStore_-HashedToken',
    );
    assert.ok(hashed);
    assert.equal(hashed.childText('uuid'), created.uuid);
    assert.equal(hashed.childText('name'), 'ci');
    assert.equal(hashed.childText('creationDate'), '2026-03-04 05:06:07.890 UTC');
    assert.equal(hashed.child('value')?.childText('version'), '11');
    // Jenkins' ApiTokenStore hashes the 32 hex characters after the version.
    assert.equal(hashed.child('value')?.childText('hash'), createHash('sha256').update(created.token.slice(2)).digest('hex'));

    const listed = users.listTokens('BOB');
    assert.deepEqual(listed, [{ uuid: created.uuid, name: 'ci', creationDate: new Date('2026-03-04T05:06:07.890Z') }]);
    assert.ok(!JSON.stringify(listed).includes(created.token));

    const reloaded = await UserStore.load(home.store);
    assert.equal(reloaded.verifyToken('Bob', created.token)?.id, 'bob');
    assert.equal(reloaded.verifyToken('bob', `11${'0'.repeat(32)}`), undefined);
    assert.equal(reloaded.verifyToken('bob', 'pw'), undefined);
    assert.equal(reloaded.verifyToken('alice', created.token), undefined, 'a token is only valid for its user');
    assert.deepEqual(audit.events.map((e) => e.type), ['user.created', 'token.created']);
    assert.ok(!JSON.stringify(audit.events).includes(created.token));
  });

  test('a token that Jenkins made verifies', async () => {
    await using home = await openHome();
    const users = await UserStore.load(home.store);
    const u = await users.createUser('jen', 'pw');
    const file = path.join(home.dir, `users/${u.directory}/config.xml`);
    const secret = '0123456789abcdef0123456789abcdef';
    const hash = createHash('sha256').update(secret).digest('hex');
    const xml = (await readFile(file, 'utf8')).replace(
      '<tokenList/>',
      `<tokenList>
          <jenkins.security.apitoken.ApiTokenStore_-HashedToken>
            <uuid>6d9b1d5e-6b43-4bd9-9c54-6f2a0c8b1f11</uuid>
            <name>from jenkins</name>
            <creationDate>2023-05-01 10:00:00.0 UTC</creationDate>
            <value>
              <version>11</version>
              <hash>${hash}</hash>
            </value>
          </jenkins.security.apitoken.ApiTokenStore_-HashedToken>
        </tokenList>`,
    );
    await home.store.writeAtomic(`users/${u.directory}/config.xml`, xml);
    const reloaded = await UserStore.load(home.store);
    assert.equal(reloaded.verifyToken('jen', `11${secret}`)?.id, 'jen');
    assert.deepEqual(reloaded.listTokens('jen').map((t) => [t.name, t.creationDate.toISOString()]), [['from jenkins', '2023-05-01T10:00:00.000Z']]);
  });

  test('a revoked token stops working at once, even when its verification was cached', async () => {
    await using home = await openHome();
    const audit = new MemoryAudit();
    const users = await UserStore.load(home.store, { audit });
    await users.createUser('bob', 'pw');
    const keep = await users.createToken('bob', 'keep');
    const drop = await users.createToken('bob', 'drop');
    assert.ok(users.verifyToken('bob', drop.token));
    assert.ok(users.verifyToken('bob', drop.token), 'second time from the cache');
    await users.revokeToken('bob', drop.uuid);
    assert.equal(users.verifyToken('bob', drop.token), undefined);
    assert.ok(users.verifyToken('bob', keep.token));
    assert.deepEqual(users.listTokens('bob').map((t) => t.name), ['keep']);
    assert.equal((await UserStore.load(home.store)).verifyToken('bob', drop.token), undefined);
    await assert.rejects(users.revokeToken('bob', drop.uuid), (e: unknown) => isStewardError(e, 'STW_TOKEN_NOT_FOUND'));
    assert.deepEqual(audit.events.at(-1), { type: 'token.revoked', userId: 'bob', tokenUuid: drop.uuid, tokenName: 'drop' });
  });

  test('a password change forgets cached token verifications; the token itself stays valid', async () => {
    await using home = await openHome();
    const users = await UserStore.load(home.store);
    await users.createUser('bob', 'pw');
    const { token } = await users.createToken('bob', 't');
    assert.ok(users.verifyToken('bob', token));
    assert.equal(users.tokenCache.size, 1);
    const key = TokenCache.keyOf('bob', token);
    assert.ok(users.tokenCache.has(key, 'bob'));
    await users.setPassword('bob', 'pw2');
    assert.ok(!users.tokenCache.has(key, 'bob'));
    assert.ok(users.verifyToken('bob', token), 'Jenkins keeps API tokens across password changes');
  });

  test('the token cache expires entries after its ttl and holds at most maxEntries', () => {
    let now = 0;
    const cache = new TokenCache({ ttlMs: 1000, maxEntries: 3, now: () => now });
    for (const t of ['a', 'b', 'c', 'd']) cache.add(TokenCache.keyOf('u', t), 'u');
    assert.equal(cache.size, 3);
    assert.ok(!cache.has(TokenCache.keyOf('u', 'a'), 'u'), 'the oldest went first');
    assert.ok(cache.has(TokenCache.keyOf('u', 'd'), 'u'));
    assert.ok(!cache.has(TokenCache.keyOf('u', 'd'), 'v'), 'a key is only good for its user');
    now = 1000;
    assert.ok(!cache.has(TokenCache.keyOf('u', 'd'), 'u'));
  });

  test('verifying a token costs well under a millisecond', async () => {
    await using home = await openHome();
    const users = await UserStore.load(home.store);
    await users.createUser('bob', 'pw');
    for (let i = 0; i < 5; i++) await users.createToken('bob', `t${i}`);
    const { token } = await users.createToken('bob', 'hot');
    const n = 20_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) assert.ok(users.verifyToken('bob', token));
    const perCallMs = Number(process.hrtime.bigint() - start) / 1e6 / n;
    // The goal is < 0.2 ms; the bound is loose so that a loaded CI machine does not fail it.
    assert.ok(perCallMs < 0.5, `${perCallMs} ms per verification`);
  });
});
