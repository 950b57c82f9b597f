import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ActiveUrlReader, parseAdvertiseUrl, writeActiveRecord } from '../../src/controller/active-record.js';
import { isStewardError } from '../../src/errors/index.js';
import { openHome } from '../jobs/home.js';
import { tempDir } from '../support/steward-process.js';

describe('the advertised URL', () => {
  test('an http(s) URL is taken with a trailing slash; anything else is refused naming the option', () => {
    assert.equal(parseAdvertiseUrl('http://10.0.0.5:8080', '--advertise-url'), 'http://10.0.0.5:8080/');
    assert.equal(parseAdvertiseUrl(' https://ci.example.com/steward ', '--advertise-url'), 'https://ci.example.com/steward/');
    for (const bad of ['10.0.0.5:8080', 'ftp://host/', 'http://user:pw@host/', 'http://host/?next=//evil', 'http://host/#x', '']) {
      assert.throws(
        () => parseAdvertiseUrl(bad, 'STEWARD_ADVERTISE_URL'),
        (err: unknown) => isStewardError(err, 'STW_REQUEST_INVALID') && err.field === 'STEWARD_ADVERTISE_URL' && !err.message.includes('pw'),
        bad,
      );
    }
  });

  test("a standby names the URL of .steward/active only while its epoch is the home's, and never its own", async () => {
    await using dir = await tempDir();
    await using home = await openHome(dir.dir);
    const epoch = home.lease.epoch;
    const reader = () => new ActiveUrlReader(dir.dir, 'standby-1');
    assert.equal(await reader().url(), undefined, 'no record yet');

    await writeActiveRecord(home.store, { epoch, instanceId: 'active-1', url: 'http://10.0.0.5:8080/', since: new Date().toISOString() });
    assert.equal(await reader().url(), 'http://10.0.0.5:8080/');
    assert.equal(await new ActiveUrlReader(dir.dir, 'active-1').url(), undefined, 'the active controller does not name itself');

    // A newer controller took the home but has not written its record: the old one names nobody.
    writeFileSync(path.join(dir.dir, '.steward', 'epoch'), `${epoch + 1}\n`);
    assert.equal(await reader().url(), undefined);
    writeFileSync(path.join(dir.dir, '.steward', 'epoch'), `${epoch}\n`);

    await writeActiveRecord(home.store, { epoch, instanceId: 'active-1', since: new Date().toISOString() });
    assert.equal(await reader().url(), undefined, 'an active controller without --advertise-url');
    writeFileSync(path.join(dir.dir, '.steward', 'active'), JSON.stringify({ epoch, instanceId: 'x', url: 'javascript:alert(1)' }));
    assert.equal(await reader().url(), undefined, 'a URL that is not http(s) is not followed');
    writeFileSync(path.join(dir.dir, '.steward', 'active'), '{"epoch":');
    assert.equal(await reader().url(), undefined, 'a torn record');
  });

  test('the file is read at most once a second, however many requests ask', async () => {
    await using dir = await tempDir();
    await using home = await openHome(dir.dir);
    const write = (url: string) => writeActiveRecord(home.store, { epoch: home.lease.epoch, instanceId: 'a', url, since: '' });
    await write('http://one:8080/');
    const reader = new ActiveUrlReader(dir.dir, 'standby');
    assert.equal(await reader.url(), 'http://one:8080/');
    await write('http://two:8080/');
    assert.equal(await reader.url(), 'http://one:8080/', 'within the second');
    await sleep(1100);
    assert.equal(await reader.url(), 'http://two:8080/');
  });
});
