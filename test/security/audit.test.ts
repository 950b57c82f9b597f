import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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
      await audit.record({ type: 'login.throttled', userId: 'bob', address: '192.0.2.1', retryAfterMs: 30_000 });
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
