import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { pino } from 'pino';

import { isStewardError } from '../../src/errors/index.js';
import { acquireFileLease, type Lease } from '../../src/ha/index.js';
import { HomeStore, leaseFence, readEpochFile, stoppableFence } from '../../src/home/index.js';

const logger = pino({ level: 'silent' });

void describe('lease fence', () => {
  let root: string;
  let lease: Lease;
  let store: HomeStore;
  let epochFile: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'steward-fence-'));
    lease = await acquireFileLease({
      path: join(root, '.steward/lock'),
      holder: { host: hostname(), pid: process.pid, instanceId: 'fence-test', startedAt: new Date().toISOString() },
    });
    epochFile = join(root, '.steward/epoch');
    store = new HomeStore({ root, fence: leaseFence(lease, epochFile), logger });
  });
  afterEach(async () => {
    await lease.release();
    await rm(root, { recursive: true, force: true });
  });

  void test('the active controller writes its epoch and then writes freely', async () => {
    assert.equal(readEpochFile(epochFile), 0, 'a missing epoch file is epoch 0');
    await store.writeAtomic('.steward/epoch', `${lease.epoch}\n`);
    assert.equal(readEpochFile(epochFile), lease.epoch);
    await store.writeAtomic('config.xml', '<hudson/>');
    assert.equal(await store.readText('config.xml'), '<hudson/>');
  });

  void test('a higher epoch in the epoch file fences this controller and its write leaves the home as it was', async () => {
    await store.writeAtomic('config.xml', 'mine');
    await writeFile(epochFile, `${lease.epoch + 1}\n`); // a successor took over
    await assert.rejects(store.writeAtomic('config.xml', 'stale'), (err) => {
      assert.ok(isStewardError(err, 'STW_HOME_FENCED'));
      assert.match(err.message, new RegExp(`epoch ${lease.epoch + 1};.*holds epoch ${lease.epoch}`));
      return true;
    });
    assert.equal(await store.readText('config.xml'), 'mine');
    assert.deepEqual((await readdir(root)).sort(), ['.steward', 'config.xml']);
  });

  void test('an equal or lower epoch in the epoch file does not fence', async () => {
    await writeFile(epochFile, `${lease.epoch}`);
    await store.writeAtomic('a', '1');
    await writeFile(epochFile, '0\n');
    await store.writeAtomic('a', '2');
    assert.equal(await store.readText('a'), '2');
  });

  void test('a released lease refuses writes with STW_LEASE_LOST', async () => {
    await store.writeAtomic('config.xml', 'mine');
    await lease.release();
    await assert.rejects(store.writeAtomic('config.xml', 'after release'), (err) => isStewardError(err, 'STW_LEASE_LOST'));
    assert.equal(await store.readText('config.xml'), 'mine');
  });

  void test('a console log appending within the epoch cache period stops at once when the lease is released', async () => {
    await store.writeAtomic('.steward/epoch', `${lease.epoch}\n`);
    const log = await store.openAppend('jobs/a/builds/1/log');
    await log.write('before\n');
    await lease.release();
    await assert.rejects(log.write('after release\n'), (err) => isStewardError(err, 'STW_LEASE_LOST'));
    await log.close().catch(() => undefined);
    assert.equal(await store.readText('jobs/a/builds/1/log'), 'before\n');
  });

  void test('a stopped fence refuses every write while the lease is still held, appends to an open log included', async () => {
    const fence = stoppableFence(leaseFence(lease, epochFile));
    const stoppable = new HomeStore({ root, fence, logger });
    await stoppable.writeAtomic('.steward/epoch', `${lease.epoch}\n`);
    const log = await stoppable.openAppend('jobs/a/builds/1/log');
    await log.write('running\n');
    fence.stop('the launcher stopped');
    assert.ok(lease.held);
    await assert.rejects(log.write('Aborted\n'), (err) => isStewardError(err, 'STW_LEASE_LOST'));
    await assert.rejects(stoppable.writeAtomic('jobs/a/builds/1/build.xml', '<build/>'), (err) => isStewardError(err, 'STW_LEASE_LOST'));
    await log.close().catch(() => undefined);
    assert.equal(await stoppable.readText('jobs/a/builds/1/log'), 'running\n');
    assert.equal(await stoppable.readText('jobs/a/builds/1/build.xml'), undefined);
  });

  void test('a damaged epoch file refuses writes rather than guessing', async () => {
    await writeFile(epochFile, 'not a number');
    await assert.rejects(store.writeAtomic('config.xml', 'x'), (err) => isStewardError(err, 'STW_HOME_IO'));
    assert.equal(await store.exists('config.xml'), false);
  });
});
