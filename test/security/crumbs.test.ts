import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';

import { isStewardError } from '../../src/errors/index.js';
import { CRUMB_SALT_FILE, CrumbIssuer } from '../../src/security/index.js';
import { openHome } from './home.js';

describe('CSRF crumbs', () => {
  test('a crumb is valid only for the user and session it was issued to', async () => {
    await using home = await openHome();
    const issuer = await CrumbIssuer.load(home.store);
    const crumb = issuer.issue('bob', 'session-1');
    assert.match(crumb, /^[0-9a-f]{64}$/);
    assert.ok(issuer.validate('bob', 'session-1', crumb));
    assert.ok(!issuer.validate('alice', 'session-1', crumb));
    assert.ok(!issuer.validate('bob', 'session-2', crumb));
    assert.ok(!issuer.validate(undefined, 'session-1', crumb));
    assert.ok(!issuer.validate('bob', 'session-1', undefined));
    assert.ok(!issuer.validate('bob', 'session-1', crumb.slice(1)));
    assert.throws(() => issuer.check('bob', 'session-1', 'nope'), (e: unknown) => isStewardError(e, 'STW_CRUMB_INVALID'));
    assert.ok(issuer.validate(undefined, 's', issuer.issue(undefined, 's')), 'anonymous gets crumbs too');
  });

  test('the salt is kept in secrets/ (0600), so crumbs survive a restart or a takeover', async () => {
    await using home = await openHome();
    const first = await CrumbIssuer.load(home.store);
    const crumb = first.issue('bob', 's');
    const file = path.join(home.dir, CRUMB_SALT_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.match((await readFile(file, 'utf8')).trim(), /^[0-9a-f]{64}$/);
    const second = await CrumbIssuer.load(home.store);
    assert.ok(second.validate('bob', 's', crumb));
    await using other = await openHome();
    assert.ok(!(await CrumbIssuer.load(other.store)).validate('bob', 's', crumb), 'another home has another salt');
  });

  test('the crumbIssuer JSON has the shape Jenkins clients expect', async () => {
    await using home = await openHome();
    const issuer = await CrumbIssuer.load(home.store);
    const json = issuer.json('bob', 's');
    assert.deepEqual(Object.keys(json), ['_class', 'crumb', 'crumbRequestField']);
    assert.equal(json._class, 'hudson.security.csrf.DefaultCrumbIssuer');
    assert.equal(json.crumbRequestField, 'Jenkins-Crumb');
    assert.ok(issuer.validate('bob', 's', json.crumb));
  });
});
