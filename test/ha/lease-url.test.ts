import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isStewardError } from '../../src/errors/index.js';
import { parseLeaseUrl, redactLeaseUrl, safetyMarginMs } from '../../src/ha/index.js';

describe('lease URLs', () => {
  test('each scheme is read with its defaults', () => {
    assert.deepEqual(parseLeaseUrl('file:'), { kind: 'file', path: undefined });
    assert.deepEqual(parseLeaseUrl('file:/srv/home/.steward/lock'), { kind: 'file', path: '/srv/home/.steward/lock' });
    assert.deepEqual(parseLeaseUrl('redis://:s3cret@10.0.0.1:6380/2?key=ci/lease'), {
      kind: 'redis',
      tls: false,
      hosts: [{ host: '10.0.0.1', port: 6380 }],
      username: undefined,
      password: 's3cret',
      db: 2,
      key: 'ci/lease',
    });
    const etcd = parseLeaseUrl('etcd://root:pw@e1:2379,e2,[::1]:2381');
    assert.ok(etcd.kind === 'etcd');
    assert.deepEqual(etcd.hosts, [
      { host: 'e1', port: 2379 },
      { host: 'e2', port: 2379 },
      { host: '::1', port: 2381 },
    ]);
    assert.equal(etcd.username, 'root');
    assert.equal(etcd.key, 'steward/lease');
    const zk = parseLeaseUrl('zk://z1:2181,z2:2181/steward/lease/');
    assert.ok(zk.kind === 'zookeeper');
    assert.equal(zk.path, '/steward/lease');
    const pg = parseLeaseUrl('postgres://ci:pw@db:5432/steward?table=ha_lease&sslmode=require');
    assert.ok(pg.kind === 'postgres');
    assert.equal(pg.table, 'ha_lease');
    assert.equal(pg.url, 'postgres://ci:pw@db:5432/steward?sslmode=require');
    assert.equal(pg.redacted, 'postgres://ci:***@db:5432/steward?table=ha_lease&sslmode=require');
  });

  test('a password never survives redaction', () => {
    for (const url of ['redis://:pw@h:1', 'etcd://user:pw@h:1,h2:2', 'postgres://u:pw@h/db']) {
      assert.doesNotMatch(redactLeaseUrl(url), /pw/, url);
    }
    assert.equal(redactLeaseUrl('redis://h:1/0'), 'redis://h:1/0');
  });

  test('bad URLs are refused naming what is wrong, without the password', () => {
    for (const [url, re] of [
      ['mysql://u:pw@h/db', /unknown scheme "mysql"/],
      ['redis://:pw@h:99999', /port 99999 is out of range/],
      ['zk://h:2181', /a znode path is required/],
      ['postgres://u:pw@h/db?table=x;drop', /must be a plain SQL name/],
      ['redis://:pw@h:1/x', /database "x" is not a number/],
    ] as const) {
      assert.throws(
        () => parseLeaseUrl(url),
        (e: unknown) => isStewardError(e, 'STW_REQUEST_INVALID') && re.test(e.message) && !e.message.includes('pw@'),
        url,
      );
    }
  });

  test('the safety margin is a fifth of the TTL, at least 250 ms and at most half', () => {
    assert.equal(safetyMarginMs(10_000), 2000);
    assert.equal(safetyMarginMs(1000), 250);
    assert.equal(safetyMarginMs(400), 200);
  });
});
