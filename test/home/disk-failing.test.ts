import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { pino } from 'pino';

import { isStewardError } from '../../src/errors/index.js';
import { HomeStore, type Fence, type HomeHealth } from '../../src/home/index.js';
import { FailingDisk } from '../support/failing-disk.js';

const logger = pino({ level: 'silent' });
const open: Fence = { assertWritable: () => Promise.resolve(), assertHeld: () => undefined };

void describe('a home whose disk fails with EIO', () => {
  let disk: FailingDisk;

  before(async () => {
    disk = await FailingDisk.mount();
  });
  after(async () => {
    await disk?.[Symbol.asyncDispose]();
  });

  void test('writes fail with STW_HOME_IO saying the disk is failing, files stay as they were, and the health comes back with the disk', async () => {
    const store = new HomeStore({ root: disk.home(), fence: open, logger });
    const heard: HomeHealth[] = [];
    store.onHealthChange((h) => heard.push(h));
    await store.writeAtomic('jobs/a/config.xml', 'old content\n');
    const log = await store.openAppend('jobs/a/builds/1/log');
    await log.write('first line\n');

    await disk.fail();
    await assert.rejects(store.writeAtomic('jobs/a/config.xml', 'new content\n'), (err) => {
      assert.ok(isStewardError(err, 'STW_HOME_IO'), String(err));
      assert.match(err.message, /^could not write jobs\/a\/config\.xml in the home: the home's disk is failing \(EIO/);
      return true;
    });
    await assert.rejects(log.write('second line\n'), (err) => isStewardError(err, 'STW_HOME_IO'));
    assert.equal(store.health.writable === false && store.health.trouble, 'failing');
    // Reads go on: what was written is there, whole.
    assert.equal(await store.readText('jobs/a/config.xml'), 'old content\n');
    assert.equal(await readFile(store.resolve('jobs/a/builds/1/log'), 'utf8'), 'first line\n');
    await assert.rejects(store.checkWritable(), (err) => isStewardError(err, 'STW_HOME_IO'));

    await disk.mend();
    await store.checkWritable();
    assert.deepEqual(heard.map((h) => (h.writable ? 'writable' : h.trouble)), ['failing', 'writable']);
    await store.writeAtomic('jobs/a/config.xml', 'new content\n');
    assert.equal(await store.readText('jobs/a/config.xml'), 'new content\n');
    assert.deepEqual(await readdir(store.resolve('jobs/a')), ['builds', 'config.xml']);
    await log.close().catch(() => undefined);
  });
});
