import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { SESSION_KEY_FILE, SessionCodec } from '../../src/security/index.js';
import { openHome } from './home.js';

describe('login sessions in signed cookies', () => {
  test('a cookie reads back as its user and session until it expires', async () => {
    let now = 1_000_000_000_000;
    await using home = await openHome();
    const codec = await SessionCodec.load(home.store, { lifetimeMs: 60_000, now: () => now });
    const { session, cookie } = codec.issue('Alice.Smith@example');
    assert.match(session.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(codec.read(cookie), session);
    now += 59_000;
    assert.equal(codec.read(cookie)?.userId, 'Alice.Smith@example');
    now += 2_000;
    assert.equal(codec.read(cookie), undefined, 'expired');
  });

  test('the key is made once (0600) and read by the next controller, which accepts the same cookies', async () => {
    await using home = await openHome();
    const first = await SessionCodec.load(home.store);
    const { cookie } = first.issue('bob');
    assert.equal(statSync(path.join(home.dir, SESSION_KEY_FILE)).mode & 0o777, 0o600);
    const second = await SessionCodec.load(home.store);
    assert.equal(second.read(cookie)?.userId, 'bob');
  });

  test('a changed user, expiry or signature, another key, or a malformed value is refused', async () => {
    await using home = await openHome();
    const codec = await SessionCodec.load(home.store);
    const { cookie } = codec.issue('bob');
    const [v, user, id, expiry, sig] = cookie.split('.') as [string, string, string, string, string];
    const forged = [
      [v, Buffer.from('admin').toString('base64url'), id, expiry, sig],
      [v, user, id, String(Number(expiry) + 3600), sig],
      [v, user, id, expiry, sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))],
      ['v2', user, id, expiry, sig],
    ].map((parts) => parts.join('.'));
    for (const value of [...forged, '', 'v1', 'v1....', `${cookie}.extra`]) assert.equal(codec.read(value), undefined, value);
    assert.equal(new SessionCodec(Buffer.alloc(32, 7)).read(cookie), undefined, 'another key');
  });

  test("a session is bound to the user's seed: a new seed (a new password) or no user ends it", async () => {
    await using home = await openHome();
    const codec = await SessionCodec.load(home.store);
    const { cookie } = codec.issue('bob', 'seed-1');
    assert.equal(codec.read(cookie, () => 'seed-1')?.userId, 'bob');
    assert.equal(codec.read(cookie, () => 'seed-2'), undefined);
    assert.equal(codec.read(cookie, () => undefined), undefined);
    assert.equal(codec.read(cookie), undefined, 'the default seed is not the one it was made with');
  });

  test('a logged-out session is refused, others of the same user are not', async () => {
    await using home = await openHome();
    const codec = await SessionCodec.load(home.store);
    const a = codec.issue('bob');
    const b = codec.issue('bob');
    codec.revoke(a.session);
    assert.equal(codec.read(a.cookie), undefined);
    assert.equal(codec.read(b.cookie)?.userId, 'bob');
  });
});
