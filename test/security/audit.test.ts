import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';

import { AUDIT_LOG, AuditLog, UserStore } from '../../src/security/index.js';
import { openHome } from './home.js';

describe('audit log', () => {
  test('security changes are appended as JSON lines that hold no password or token', async () => {
    await using home = await openHome();
    const audit = await AuditLog.open(home.store, { now: () => Date.parse('2026-01-01T00:00:00Z') });
    try {
      const users = await UserStore.load(home.store, { audit });
      await users.createUser('bob', 'hunter2-password', 'Bob', 'admin');
      await users.setPassword('bob', 'correct-horse', 'bob');
      const created = await users.createToken('bob', 'ci');
      await users.revokeToken('bob', created.uuid);
      await users.authenticate('bob', 'wrong-guess', { address: '192.0.2.1' });
      await audit.record({ type: 'login.throttled', userId: 'bob', address: '192.0.2.1', retryAfterMs: 30_000, lockedBy: 'user' });
      await audit.record({ type: 'permission.denied', userId: 'bob', permission: 'hudson.model.Item.Build', target: 'job/j' });
      await audit.close();

      const text = await readFile(path.join(home.dir, AUDIT_LOG), 'utf8');
      const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(
        lines.map((l) => l.event),
        ['user.created', 'user.password-changed', 'token.created', 'token.revoked', 'login.failed', 'login.throttled', 'permission.denied'],
      );
      assert.deepEqual(lines[0], { time: '2026-01-01T00:00:00.000Z', event: 'user.created', userId: 'bob', actor: 'admin' });
      assert.equal(lines[2]?.tokenUuid, created.uuid);
      for (const secret of ['hunter2', 'correct-horse', 'wrong-guess', created.token, created.token.slice(2)]) {
        assert.ok(!text.includes(secret), `the log does not hold ${secret}`);
      }
    } finally {
      await audit.close();
    }
  });
});

describe('audit log bounds', () => {
  test('a long user id or address is cut to 128 characters, keeping a digest that tells ids apart', async () => {
    await using home = await openHome();
    const audit = await AuditLog.open(home.store);
    try {
      await audit.record({ type: 'login.failed', userId: 'a'.repeat(200_000), address: '203.0.113.7' });
      await audit.record({ type: 'login.failed', userId: `${'a'.repeat(199_999)}b`, address: `${'f'.repeat(500)}` });
      await audit.record({ type: 'login.failed', userId: 'bob', address: '203.0.113.7' });
      await audit.close();
      const lines = (await readFile(path.join(home.dir, AUDIT_LOG), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
      const [first, second, third] = lines;
      assert.equal(first?.userId?.length, 128);
      assert.ok(first.userId.startsWith('aaaa'));
      assert.notEqual(first.userId, second?.userId, 'two ids that differ after the cut stay different');
      assert.equal(second?.address?.length, 128);
      assert.equal(third?.userId, 'bob', 'short values are written as they are');
    } finally {
      await audit.close();
    }
  });

  test('refusals of a locked user id are written once per interval, the next event counting those in between', async () => {
    await using home = await openHome();
    let now = Date.parse('2026-01-01T00:00:00Z');
    const audit = await AuditLog.open(home.store, { now: () => now, throttledIntervalMs: 60_000 });
    const refused = { type: 'login.throttled', userId: 'bob', address: '192.0.2.1', retryAfterMs: 30_000, lockedBy: 'user' } as const;
    try {
      for (let i = 0; i < 10; i++) await audit.record({ ...refused, userId: i % 2 === 0 ? 'bob' : 'BOB' });
      await audit.record({ ...refused, userId: 'carol', lockedBy: 'address' }); // the address's lock: another count
      now += 60_000;
      await audit.record(refused);
      for (let i = 0; i < 3; i++) await audit.record(refused);
      await audit.close();
      const lines = (await readFile(path.join(home.dir, AUDIT_LOG), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(
        lines.map((l) => [l.userId, l.lockedBy, l.count]),
        [
          ['bob', 'user', 1],
          ['carol', 'address', 1],
          ['bob', 'user', 10], // the nine in the first minute and this one
          ['bob', 'user', 3], // written at close
        ],
      );
    } finally {
      await audit.close();
    }
  });

  test("anonymous refusals are counted per address, permission and target; a signed-in user's are written one by one", async () => {
    await using home = await openHome();
    const audit = await AuditLog.open(home.store, { throttledIntervalMs: 60_000 });
    const denied = { type: 'permission.denied', userId: undefined, address: '192.0.2.1', permission: 'hudson.model.Item.Build', target: 'a' } as const;
    try {
      for (let i = 0; i < 5; i++) await audit.record(denied);
      for (let i = 0; i < 3; i++) await audit.record({ ...denied, target: 'b' });
      for (let i = 0; i < 4; i++) await audit.record({ type: 'crumb.rejected', userId: undefined, address: '192.0.2.2' });
      for (let i = 0; i < 3; i++) await audit.record({ ...denied, userId: 'bob' });
      for (let i = 0; i < 2; i++) await audit.record({ type: 'crumb.rejected', userId: 'bob', address: '192.0.2.2' });
      await audit.close();
      const lines = (await readFile(path.join(home.dir, AUDIT_LOG), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(
        lines.map((l) => [l.event, l.userId ?? null, l.address, l.target ?? null, l.count ?? null]),
        [
          ['permission.denied', null, '192.0.2.1', 'a', 1],
          ['permission.denied', null, '192.0.2.1', 'b', 1],
          ['crumb.rejected', null, '192.0.2.2', null, 1],
          ['permission.denied', 'bob', '192.0.2.1', 'a', null],
          ['permission.denied', 'bob', '192.0.2.1', 'a', null],
          ['permission.denied', 'bob', '192.0.2.1', 'a', null],
          ['crumb.rejected', 'bob', '192.0.2.2', null, null],
          ['crumb.rejected', 'bob', '192.0.2.2', null, null],
          // written at close
          ['permission.denied', null, '192.0.2.1', 'a', 4],
          ['permission.denied', null, '192.0.2.1', 'b', 2],
          ['crumb.rejected', null, '192.0.2.2', null, 3],
        ],
      );
    } finally {
      await audit.close();
    }
  });

  test('past the bound on counted keys, the refusals of further addresses are written as one "and N more" per type', async () => {
    await using home = await openHome();
    const audit = await AuditLog.open(home.store, { throttledIntervalMs: 60_000, maxCountedKeys: 10 });
    try {
      for (let i = 0; i < 1000; i++) await audit.record({ type: 'crumb.rejected', userId: undefined, address: `10.0.${i >> 8}.${i & 255}` });
      for (let i = 0; i < 5; i++) await audit.record({ type: 'permission.denied', userId: undefined, address: `10.1.0.${i}`, permission: 'hudson.model.Item.Build' });
      await audit.close();
      const lines = (await readFile(path.join(home.dir, AUDIT_LOG), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(lines.length, 12);
      assert.equal(lines.filter((l) => l.count === 1 && l.event === 'crumb.rejected').length, 10);
      assert.deepEqual(
        lines.slice(10).map((l) => [l.event, l.count, l.more]),
        [
          ['crumb.rejected', 990, true],
          ['permission.denied', 5, true],
        ],
      );
    } finally {
      await audit.close();
    }
  });

  test('the audit log is rotated by size and keeps a bounded number of files', async () => {
    await using home = await openHome();
    const audit = await AuditLog.open(home.store, { rotation: { maxBytes: 1024, files: 3 } });
    try {
      for (let i = 0; i < 200; i++) await audit.record({ type: 'login.failed', userId: `user-${i}`, address: '192.0.2.1' });
      await audit.close();
      const names = (await readdir(path.join(home.dir, 'logs'))).sort();
      assert.deepEqual(names, ['audit.log', 'audit.log.1', 'audit.log.2']);
      for (const name of names) assert.ok((await stat(path.join(home.dir, 'logs', name))).size <= 1024);
      assert.match(await readFile(path.join(home.dir, AUDIT_LOG), 'utf8'), /"userId":"user-199"/);
    } finally {
      await audit.close();
    }
  });
});
